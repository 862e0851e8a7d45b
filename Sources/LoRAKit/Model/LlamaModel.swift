import Foundation

/// A Llama-family decoder on one device, loaded from a `ModelCheckpoint`. Two ways to train it:
/// LoRA on the target modules with everything else frozen in its stored precision (the
/// embedding, LM head and Linear weights as float32, float16, bfloat16 or NF4; the norm weights
/// and biases, a few thousand values per layer, as float32), or full-parameter training, where
/// every tensor is float32 and gets a gradient (how LoRAKit pretrains its bundled base).
public final class LlamaModel {
    public let config: ModelConfig
    public let device: any Device
    public let lora: LoRAConfig?
    /// Every tensor is trained (no LoRA, no NF4).
    public let fullParameter: Bool
    /// Seeds the adapters' initialisation and their dropout masks.
    public let seed: UInt64
    /// The checkpoint folder the model was loaded from (its config.json is reused when saving).
    public let source: URL
    let embedding: DeviceBuffer          // vocabulary×hidden
    let finalNorm: DeviceBuffer
    let lmHead: Projection
    public let layers: [DecoderLayer]
    let scratch: DequantizationScratch
    /// Positions whose logits the loss computes at once (see `headLoss`): bounds the logits to
    /// lossBlockRows × vocabulary floats. Any value gives the same losses and gradients.
    public var lossBlockRows = 256
    /// Bytes of attention score matrices held at once (`CausalAttention.scoreBudgetBytes`).
    public var attentionScoreBudgetBytes = 256 << 20
    /// Whether attention runs fused where the device can (`CausalAttention.fused`).
    public var fusedAttention = true
    /// Full-parameter training only.
    let embeddingGradient: DeviceBuffer?
    let finalNormGradient: DeviceBuffer?

    /// Loads every tensor onto `device`. With `lora`, its target modules get adapters seeded by
    /// `seed`. With `quantizeToNF4`, the blocks' float Linear weights are quantized to NF4 (block
    /// 64, double quantization) as they load, as bitsandbytes' `load_in_4bit` does. With
    /// `fullParameter`, every tensor is loaded as float32 with a gradient buffer (no LoRA, no NF4).
    public init(checkpoint: ModelCheckpoint, device: any Device, lora: LoRAConfig? = nil, seed: UInt64 = 0,
                quantizeToNF4: Bool = false, fullParameter: Bool = false) throws {
        let config = checkpoint.config
        if let lora { try config.validateTargets(lora.targetModules) }
        if fullParameter {
            guard lora == nil else { throw LoRAError.invalidInput("full-parameter training and LoRA exclude each other") }
            guard !quantizeToNF4, !config.isNF4Quantized else {
                throw ModelError.invalidConfig(file: checkpoint.folder.path, field: "quantization",
                                               detail: "full-parameter training needs float weights; NF4 weights can only be frozen (train LoRA over them instead)")
            }
        }
        self.config = config
        self.device = device
        self.lora = lora
        self.fullParameter = fullParameter
        self.seed = seed
        source = checkpoint.folder
        scratch = DequantizationScratch.shared(for: device)
        let tensors = CheckpointTensors(checkpoint: checkpoint, device: device, fullParameter: fullParameter, quantizeToNF4: quantizeToNF4)
        embedding = try tensors.frozenDense("model.embed_tokens.weight")
        embeddingGradient = try tensors.gradient(for: embedding)
        finalNorm = try tensors.dense("model.norm.weight")
        finalNormGradient = try tensors.gradient(for: finalNorm)
        let (hidden, vocabulary) = (config.hiddenSize, config.vocabularySize)
        if fullParameter {
            lmHead = .trainable(config.tieWordEmbeddings
                ? try TrainableLinear(weight: embedding, bias: nil, inFeatures: hidden, outFeatures: vocabulary, weightGradient: embeddingGradient)
                : try TrainableLinear(weight: tensors.dense("lm_head.weight"), bias: nil, inFeatures: hidden, outFeatures: vocabulary))
        } else {
            let headWeight: FrozenWeight = config.tieWordEmbeddings ? .dense(embedding) : try tensors.weight("lm_head.weight")
            lmHead = .frozen(try FrozenLinear(weight: headWeight, bias: nil, inFeatures: hidden, outFeatures: vocabulary, scratch: scratch))
        }
        let ropeFrequencies = try device.makeBuffer(config.ropeInverseFrequencies, label: "rope frequencies")
        let sharedScratch = scratch
        layers = try (0..<config.layerCount).map { index in
            try LlamaModel.decoderLayer(index, tensors: tensors, lora: lora, seed: seed, scratch: sharedScratch, ropeFrequencies: ropeFrequencies)
        }
    }

    /// Block `index`: its seven projections (trainable, LoRA over a frozen base, or frozen) and norms.
    private static func decoderLayer(_ index: Int, tensors: CheckpointTensors, lora: LoRAConfig?, seed: UInt64,
                                     scratch: DequantizationScratch, ropeFrequencies: DeviceBuffer) throws -> DecoderLayer {
        let prefix = "model.layers.\(index)."
        var projections: [String: Projection] = [:]
        for (moduleIndex, module) in ModelConfig.linearModules.enumerated() {
            let path = ModelConfig.modulePath(layer: index, module: module)
            let bias = tensors.checkpoint.contains(path + ".bias") ? try tensors.dense(path + ".bias") : nil
            let (out, inFeatures) = try tensors.checkpoint.shape(of: path + ".weight")
            if tensors.fullParameter {
                projections[module] = .trainable(try TrainableLinear(weight: tensors.dense(path + ".weight"), bias: bias,
                                                                     inFeatures: inFeatures, outFeatures: out))
                continue
            }
            let w = try tensors.weight(path + ".weight")
            if let lora, lora.targetModules.contains(module) {
                projections[module] = .lora(try LoRALinear(base: w, bias: bias, inFeatures: inFeatures, outFeatures: out, config: lora,
                                                           seed: seed, stream: UInt32(index * 7 + moduleIndex), scratch: scratch))
            } else {
                projections[module] = .frozen(try FrozenLinear(weight: w, bias: bias, inFeatures: inFeatures, outFeatures: out, scratch: scratch))
            }
        }
        let inputNorm = try tensors.dense(prefix + "input_layernorm.weight")
        let postAttentionNorm = try tensors.dense(prefix + "post_attention_layernorm.weight")
        let normGradients = try tensors.gradient(for: inputNorm).map { ($0, try tensors.gradient(for: postAttentionNorm)!) }
        return DecoderLayer(index: index, inputNorm: inputNorm, postAttentionNorm: postAttentionNorm, projections: projections,
                            normGradients: normGradients, ropeFrequencies: ropeFrequencies)
    }

    /// Checks ids and makes the attention for their sequence length.
    private func prepare(ids: [Int32], batch: Int) throws -> (length: Int, attention: CausalAttention) {
        guard batch >= 1, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError.invalidConfig(file: "(input)", field: "ids", detail: "\(ids.count) ids do not split into \(batch) equal sequences")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabularySize }) {
            throw ModelError.invalidConfig(file: "(input)", field: "ids", detail: "token id \(bad) is outside the vocabulary of \(config.vocabularySize)")
        }
        let length = ids.count / batch
        var attention = try CausalAttention(heads: config.attentionHeads, keyValueHeads: config.keyValueHeads,
                                            headDimension: config.headDimension, sequenceLength: length)
        attention.scoreBudgetBytes = attentionScoreBudgetBytes
        attention.fused = fusedAttention
        return (length, attention)
    }

    /// `prepare` for a micro-batch, with its packed positions on the device.
    private func prepare(_ batch: SequenceBatch) throws -> (length: Int, attention: CausalAttention, positions: DeviceBuffer?) {
        let (length, attention) = try prepare(ids: batch.ids, batch: batch.batch)
        return (length, attention, try batch.positions.map { try device.makeBuffer($0, label: "positions") })
    }

    func embed(_ ids: DeviceBuffer) throws -> DeviceBuffer {
        let x = try device.makeBuffer(.float32, count: ids.count * config.hiddenSize, label: "hidden")
        try device.embedding(ids: ids, table: embedding, vocabulary: config.vocabularySize, columns: config.hiddenSize, into: x)
        return x
    }

    /// The final norm: (normed, rstd).
    func normalizeFinal(_ x: DeviceBuffer, rows: Int) throws -> (DeviceBuffer, DeviceBuffer) {
        let normed = try device.makeBuffer(.float32, count: x.count, label: "final norm")
        let rstd = try device.makeBuffer(.float32, count: rows, label: "final rstd")
        try device.rmsNorm(x, weight: finalNorm, epsilon: config.rmsNormEpsilon, rows: rows, columns: config.hiddenSize, into: normed, rstd: rstd)
        return (normed, rstd)
    }

    /// Final norm and LM head: the logits (rows×vocabulary).
    func head(_ x: DeviceBuffer, rows: Int) throws -> DeviceBuffer {
        try lmHead.forward(normalizeFinal(x, rows: rows).0, rows: rows, mode: .inference).0
    }

    /// Logits (batch·T × vocabulary) for token ids laid out as `batch` sequences of equal length.
    public func logits(ids: [Int32], batch: Int, mode: LoRAMode = .inference) throws -> DeviceBuffer {
        let (length, attention) = try prepare(ids: ids, batch: batch)
        return try logits(ids: ids, batch: batch, length: length, attention: attention, mode: mode)
    }

    private func logits(ids: [Int32], batch: Int, length: Int, attention: CausalAttention, mode: LoRAMode) throws -> DeviceBuffer {
        try head(hiddenStates(ids: ids, batch: batch, length: length, attention: attention, mode: mode), rows: ids.count)
    }

    /// The last block's output (before the final norm).
    private func hiddenStates(ids: [Int32], batch: Int, length: Int, attention: CausalAttention, mode: LoRAMode,
                              positions: DeviceBuffer? = nil) throws -> DeviceBuffer {
        var x = try embed(device.makeBuffer(ids, label: "ids"))
        for layer in layers {
            x = try layer.forward(x, batch: batch, length: length, attention: attention, config: config, mode: mode, positions: positions).output
        }
        return x
    }

    /// The LoRA layers, keyed by module path (`model.layers.0.self_attn.q_proj`).
    public var loraLayers: [(path: String, layer: LoRALinear)] {
        layers.flatMap { layer in
            ModelConfig.linearModules.compactMap { module -> (String, LoRALinear)? in
                guard case .lora(let lora) = layer.projections[module] else { return nil }
                return (ModelConfig.modulePath(layer: layer.index, module: module), lora)
            }
        }
    }

    /// Loads A and B of every LoRA layer from `adapter`, which must have a module for each.
    public func load(_ adapter: PEFTAdapter, from source: String) throws {
        for (path, layer) in loraLayers {
            guard let module = adapter.modules[path] else {
                throw ModelError.missingTensor(file: source, tensor: "\(PEFTAdapter.keyPrefix)\(path).lora_A.weight")
            }
            try layer.load(module)
        }
    }

    public func zeroGradients() throws {
        for parameter in trainableParameters { try device.fill(parameter.gradient, with: 0) }
    }

    /// One forward and backward pass: returns the mean loss over the batch's predicted tokens
    /// and adds its gradient to every trainable parameter's gradient (call `zeroGradients()`
    /// before the first micro-batch of an optimizer step). The gradient is that of
    /// Σ losses / `normalizer` (default: the batch's own predicted tokens; a trainer passes the
    /// whole step's count, so micro-batches of unequal size weigh by their tokens). With gradient
    /// checkpointing (default: on for sequences of 512 tokens or more) only each block's input is
    /// kept and the block is recomputed during backward, with the same dropout masks, so the
    /// gradients are the same either way. `observer` hears of each group of `gradientStages` as
    /// its gradients become final (a trainer starts summing them over the ranks meanwhile).
    public func lossAndGradients(_ batch: SequenceBatch, step: UInt32, checkpointing: Bool? = nil,
                                 normalizer: Int? = nil, observer: (any GradientObserver)? = nil) throws -> (loss: Double, tokens: Int) {
        let (length, attention, positions) = try prepare(batch)
        let rows = batch.ids.count, tokens = batch.predictedTokens
        let checkpoint = checkpointing ?? (length >= 512)
        let mode = LoRAMode.training(step: step)
        var inputs: [DeviceBuffer] = []
        var caches: [DecoderLayer.Cache] = []
        let idBuffer = try device.makeBuffer(batch.ids, label: "ids")
        var x = try embed(idBuffer)
        for layer in layers {
            inputs.append(x)
            let (out, cache) = try layer.forward(x, batch: batch.batch, length: length, attention: attention, config: config, mode: mode,
                                                 positions: positions)
            if !checkpoint { caches.append(cache!) }
            x = out
        }
        let (normed, rstd) = try normalizeFinal(x, rows: rows)
        let dNormed = try device.makeBuffer(.float32, count: normed.count, label: "dNormed")
        let losses = try headLoss(normed: normed, labels: batch.labels, rows: rows, gradientScale: 1 / Float(max(1, normalizer ?? tokens)),
                                  dNormed: dNormed)
        var dx = try device.makeBuffer(.float32, count: x.count, label: "dHidden")
        try device.rmsNormBackward(dNormed, x: x, weight: finalNorm, rstd: rstd, rows: rows, columns: config.hiddenSize, into: dx, update: .overwrite)
        if let finalNormGradient {
            try device.rmsNormWeightGradient(dNormed, x: x, rstd: rstd, rows: rows, columns: config.hiddenSize, into: finalNormGradient, update: .accumulate)
        }
        try observer?.gradientsReady(headParameters)
        for (index, layer) in layers.enumerated().reversed() {
            let cache = checkpoint
                ? try layer.forward(inputs[index], batch: batch.batch, length: length, attention: attention, config: config, mode: mode,
                                    positions: positions).cache!
                : caches[index]
            dx = try layer.backward(dx, cache: cache, batch: batch.batch, length: length, attention: attention, config: config, positions: positions)
            if !checkpoint { caches.removeLast() }
            try observer?.gradientsReady(parameters(of: layer))
        }
        if let embeddingGradient {
            try device.embeddingBackward(ids: idBuffer, outputGradient: dx, vocabulary: config.vocabularySize, columns: config.hiddenSize,
                                         into: embeddingGradient)
        }
        try observer?.gradientsReady(embeddingParameters)
        return (try Self.meanLoss(losses, tokens: tokens), tokens)
    }

    /// `lossAndGradients` for whole sequences of plain language modelling (every position
    /// predicts the next token).
    public func lossAndGradients(ids: [Int32], batch: Int, step: UInt32, checkpointing: Bool? = nil) throws -> (loss: Double, tokens: Int) {
        try lossAndGradients(SequenceBatch.nextToken(ids, batch: batch), step: step, checkpointing: checkpointing)
    }

    /// The mean loss over the batch's predicted tokens, and their number.
    public func loss(_ batch: SequenceBatch) throws -> (loss: Double, tokens: Int) {
        let (length, attention, positions) = try prepare(batch)
        let x = try hiddenStates(ids: batch.ids, batch: batch.batch, length: length, attention: attention, mode: .inference, positions: positions)
        let losses = try headLoss(normed: normalizeFinal(x, rows: batch.ids.count).0, labels: batch.labels, rows: batch.ids.count,
                                  gradientScale: 0, dNormed: nil)
        return (try Self.meanLoss(losses, tokens: batch.predictedTokens), batch.predictedTokens)
    }

    /// Mean next-token cross-entropy over each sequence's positions 2…T (transformers' loss with
    /// labels = input_ids), and the number of predicted tokens.
    public func loss(ids: [Int32], batch: Int) throws -> (loss: Double, tokens: Int) {
        try loss(SequenceBatch.nextToken(ids, batch: batch))
    }
}
