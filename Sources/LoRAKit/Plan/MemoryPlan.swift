/// The device memory a training run will need, planned before anything is loaded: the run's
/// allocations are replayed buffer by buffer from the same shapes `LlamaModel`, `DecoderLayer`
/// and `Trainer` allocate (`StepTrace`), so the total is the peak the device's own counter will
/// report, split into the parts that make it up at that moment.
///
/// What it counts is what the device counts: live buffers. The buffer pool's idle buffers are
/// not counted (they are handed back when an allocation fails); `MemoryCapacity` reports their
/// bound. Buffers are assumed to live to the end of their scope, as in a debug build: a release
/// build may free a few earlier, so its peak can only be lower.
public struct MemoryPlan: Sendable {
    /// What is trained, on what, and how.
    public struct Settings: Sendable, Equatable {
        public enum Training: Sendable, Equatable {
            case lora(LoRAConfig)
            /// Every tensor in float32 (`lorakit train --full`).
            case full
        }

        public var sequenceLength: Int
        /// Sequences per micro-batch (gradient accumulation runs micro-batches one after another).
        public var batch: Int
        public var training: Training
        /// Quantize the blocks' Linear weights to NF4 on load (`--quantize nf4`).
        public var quantizeToNF4: Bool
        /// nil: the Trainer's default, on for sequences of 512 tokens or more.
        public var checkpointing: Bool?
        /// Packed sequences add a buffer of positions.
        public var packing: Bool
        /// Micro-batches may be shorter than `sequenceLength`: .jsonl examples (padded or packed)
        /// are padded only to the longest of their micro-batch. The Trainer's default then runs
        /// those under 512 tokens without checkpointing, which can need more memory than full
        /// length with it, so the plan takes the larger of the two.

        public init(sequenceLength: Int, batch: Int = 1, training: Training, quantizeToNF4: Bool = false,
                    checkpointing: Bool? = nil, packing: Bool = false, attentionScoreBudgetBytes: Int = 256 << 20,
                    fusedAttention: Bool = false) {
            self.sequenceLength = sequenceLength
            self.batch = batch
            self.training = training
            self.quantizeToNF4 = quantizeToNF4
            self.checkpointing = checkpointing
            self.packing = packing
            self.attentionScoreBudgetBytes = attentionScoreBudgetBytes
            self.fusedAttention = fusedAttention
        }

        /// `LlamaModel.attentionScoreBudgetBytes`: the most attention scores held at once.
        public var attentionScoreBudgetBytes: Int

        /// Whether the device runs attention fused (`FusedAttentionDevice`): no score matrices
        /// then, one log-sum-exp per row and head instead. False plans the composed attention
        /// of OpenCL devices; `fusedAttention(on:)` says which a device runs.
        public var fusedAttention: Bool

        /// Whether `CausalAttention` runs fused on the device `info` describes: on the host.
        public static func fusedAttention(on info: DeviceInfo) -> Bool { info.backend == .host }

        /// Whether blocks are recomputed in backward: the choice, or the Trainer's default by
        /// --seq-len (padded micro-batches are shorter and need less, checkpointed alike).
        var resolvedCheckpointing: Bool { checkpointing ?? (sequenceLength >= 512) }

        /// The adapter trained, nil in full-parameter training.
        public var lora: LoRAConfig? {
            if case .lora(let config) = training { return config }
            return nil
        }
    }

    public let config: ModelConfig
    public let settings: Settings
    /// Whether the blocks are recomputed in backward (the settings' choice or the Trainer's default).
    public let checkpointing: Bool
    /// The peak of live device memory over a training step, in bytes.
    public let totalBytes: Int
    /// What makes up `totalBytes`, part by part; parts with nothing live at the peak are absent.
    public let parts: [MemoryPart: Int]
    /// The phase in which the peak falls.
    public let peakPhase: PlanPhase
    /// The highest live total within each phase.
    public let phasePeaks: [PlanPhase: Int]
    /// The largest single buffer (which a device's maximum allocation must allow).
    public let largestBufferBytes: Int
    /// Elements that are trained: LoRA's A and B, or every tensor in full-parameter training.
    public let trainableParameters: Int
    /// How each part of the base is stored on the device ("NF4 (double-quantized absmax)", "float32").
    public let storage: [MemoryPart: String]
    /// Whether the blocks' Linear weights are packed (NF4 or GGUF blocks), as stored or quantized on load.
    public let hasPackedBase: Bool
    /// How the checkpoint stores each tensor, kept so that other settings can be planned (`replanned`).
    let stored: [String: StoredTensor]

    /// A plan for a model of `config` whose matrices are stored as `storedDType` (F32, F16 or
    /// BF16): a built-in shape, or a model that is not on disk.
    public init(config: ModelConfig, storedDType: SafeTensorsDType, settings: Settings) throws {
        guard [.f32, .f16, .bf16].contains(storedDType) else {
            throw MemoryPlanError.invalidSetting(field: "--dtype", detail: "\(storedDType.rawValue) is not F32, F16 or BF16")
        }
        try self.init(config: config, stored: PlannedWeights.storedForms(of: config, dtype: storedDType), settings: settings)
    }

    /// A plan for `checkpoint` as its files store it (dtypes, NF4 states, GGUF block formats;
    /// only headers are read).
    public init(checkpoint: ModelCheckpoint, settings: Settings) throws {
        try self.init(config: checkpoint.config, stored: PlannedWeights.storedForms(of: checkpoint), settings: settings)
    }

    init(config: ModelConfig, stored: [String: StoredTensor], settings: Settings) throws {
        try settings.validate(for: config, stored: stored)
        let weights = PlannedWeights(config: config, stored: stored, quantizeToNF4: settings.quantizeToNF4,
                                     fullParameter: settings.lora == nil)
        let step = StepTrace(weights: weights, lora: settings.lora, batch: settings.batch, length: settings.sequenceLength,
                             checkpointing: settings.resolvedCheckpointing, packing: settings.packing,
                             attentionScoreBudgetBytes: settings.attentionScoreBudgetBytes, fusedAttention: settings.fusedAttention)
        step.run()
        let trace = step.trace
        (self.config, self.settings, self.stored, checkpointing) = (config, settings, stored, step.checkpointing)
        (totalBytes, peakPhase, phasePeaks) = (trace.peak, trace.phaseAtPeak, trace.phasePeaks)
        largestBufferBytes = trace.largestBuffer
        parts = trace.partsAtPeak.filter { $0.value != 0 }
        trainableParameters = step.trainableCounts.reduce(0, +)
        storage = Dictionary(uniqueKeysWithValues: [MemoryPart.baseBlocks, .baseEmbedding, .baseLMHead].map { ($0, weights.storageNames($0)) })
        hasPackedBase = weights.tensors.contains { PlannedWeights.part(of: $0.key) == .baseBlocks && $0.value.readsScratch }
    }

    /// The same model planned with other settings.
    public func replanned(_ settings: Settings) throws -> MemoryPlan {
        try MemoryPlan(config: config, stored: stored, settings: settings)
    }

    /// Bytes resident from loading on: weights, adapters, gradients, moments, scratch.
    public var residentBytes: Int { phasePeaks[.load] ?? 0 }

}
