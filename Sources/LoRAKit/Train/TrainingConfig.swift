/// The hyper-parameters of a LoRA fine-tuning run (the flags of `lorakit train`).
public struct TrainingConfig: Sendable, Equatable, Codable {
    public var learningRate: Float = 2e-4
    public var steps: Int = 100
    /// Sequences per micro-batch.
    public var batch: Int = 1
    /// Micro-batches per optimizer step (gradient accumulation).
    public var accumulation: Int = 1
    public var seed: UInt64 = 0
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0
    /// Global gradient-norm clipping; 0 disables it.
    public var maxGradNorm: Float = 1
    public var warmupSteps: Int = 0
    public var scheduler: LearningRateSchedule.Kind = .linear
    /// Evaluate on the held-out windows every N steps (0: only at the end).
    public var evaluateEvery: Int = 0
    /// nil: gradient checkpointing when --seq-len is 512 tokens or more (every micro-batch alike).
    public var checkpointing: Bool? = nil

    public init() {}

    public func validate() throws {
        guard learningRate >= 0, learningRate.isFinite else { throw TrainingError.invalidSetting("--lr \(learningRate) must be non-negative") }
        guard steps >= 1 else { throw TrainingError.invalidSetting("--steps \(steps) must be at least 1") }
        guard batch >= 1, accumulation >= 1 else { throw TrainingError.invalidSetting("--batch \(batch) and --accum \(accumulation) must be at least 1") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw TrainingError.invalidSetting("--adam-beta1 \(beta1) and --adam-beta2 \(beta2) must be in [0, 1)")
        }
        guard epsilon > 0, weightDecay >= 0, maxGradNorm >= 0, warmupSteps >= 0, evaluateEvery >= 0 else {
            throw TrainingError.invalidSetting("--adam-eps must be positive; --weight-decay, --max-grad-norm, --warmup-steps and the evaluation interval non-negative")
        }
    }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(kind: scheduler, peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps)
    }
}
