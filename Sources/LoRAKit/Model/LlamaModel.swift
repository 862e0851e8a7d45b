import Foundation

/// A Llama-family decoder on one device, loaded from a `ModelCheckpoint`, with LoRA on the
/// target modules and everything else frozen in its stored precision (float32, float16 or NF4;
/// BF16 tensors are widened to float32 on load).
public final class LlamaModel {
    public let config: ModelConfig
    public let device: any Device
    public let lora: LoRAConfig?
    let embedding: DeviceBuffer          // vocabulary×hidden
    let finalNorm: DeviceBuffer
    let lmHead: FrozenLinear
    public let layers: [DecoderLayer]
    let scratch: DequantizationScratch

    /// Loads every tensor onto `device`. With `lora`, its target modules get adapters seeded by `seed`.
    public init(checkpoint: ModelCheckpoint, device: any Device, lora: LoRAConfig? = nil, seed: UInt64 = 0) throws {
        let config = checkpoint.config
        if let lora { try config.validateTargets(lora.targetModules) }
        self.config = config
        self.device = device
        self.lora = lora
        scratch = DequantizationScratch.shared(for: device)
        func dense(_ name: String) throws -> DeviceBuffer {
            try device.makeBuffer(try checkpoint.floats(name), label: name)
        }
        func weight(_ name: String) throws -> FrozenWeight {
            checkpoint.isQuantized(name) ? .nf4(try NF4Weight(try checkpoint.nf4(name), on: device, label: name)) : .dense(try dense(name))
        }
        embedding = try dense("model.embed_tokens.weight")
        finalNorm = try dense("model.norm.weight")
        let headWeight: FrozenWeight = config.tieWordEmbeddings ? .dense(embedding) : try weight("lm_head.weight")
        lmHead = try FrozenLinear(weight: headWeight, bias: nil, inFeatures: config.hiddenSize, outFeatures: config.vocabularySize, scratch: scratch)

        var layers: [DecoderLayer] = []
        for index in 0..<config.layerCount {
            let prefix = "model.layers.\(index)."
            var projections: [String: Projection] = [:]
            for (moduleIndex, module) in ModelConfig.linearModules.enumerated() {
                let path = prefix + (module.hasSuffix("proj") && ["gate_proj", "up_proj", "down_proj"].contains(module) ? "mlp." : "self_attn.") + module
                let w = try weight(path + ".weight")
                let bias = checkpoint.contains(path + ".bias") ? try dense(path + ".bias") : nil
                let (out, inFeatures) = try checkpoint.shape(of: path + ".weight")
                if let lora, lora.targetModules.contains(module) {
                    projections[module] = .lora(try LoRALinear(base: w, bias: bias, inFeatures: inFeatures, outFeatures: out, config: lora,
                                                               seed: seed, stream: UInt32(index * 7 + moduleIndex), scratch: scratch))
                } else {
                    projections[module] = .frozen(try FrozenLinear(weight: w, bias: bias, inFeatures: inFeatures, outFeatures: out, scratch: scratch))
                }
            }
            layers.append(DecoderLayer(index: index, inputNorm: try dense(prefix + "input_layernorm.weight"),
                                       postAttentionNorm: try dense(prefix + "post_attention_layernorm.weight"), projections: projections))
        }
        self.layers = layers
    }

    /// Logits (batch·T × vocabulary) for token ids laid out as `batch` sequences of equal length.
    public func logits(ids: [Int32], batch: Int, mode: LoRAMode = .inference) throws -> DeviceBuffer {
        guard batch >= 1, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError.invalidConfig(file: "(input)", field: "ids", detail: "\(ids.count) ids do not split into \(batch) equal sequences")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabularySize }) {
            throw ModelError.invalidConfig(file: "(input)", field: "ids", detail: "token id \(bad) is outside the vocabulary of \(config.vocabularySize)")
        }
        let rows = ids.count, length = ids.count / batch
        let attention = try CausalAttention(heads: config.attentionHeads, keyValueHeads: config.keyValueHeads,
                                            headDimension: config.headDimension, sequenceLength: length)
        var x = try device.makeBuffer(.float32, count: rows * config.hiddenSize, label: "hidden")
        try device.embedding(ids: device.makeBuffer(ids, label: "ids"), table: embedding, vocabulary: config.vocabularySize,
                             columns: config.hiddenSize, into: x)
        for layer in layers {
            x = try layer.forward(x, batch: batch, length: length, attention: attention, config: config, mode: mode)
        }
        let normed = try device.makeBuffer(.float32, count: x.count, label: "final norm")
        try device.rmsNorm(x, weight: finalNorm, epsilon: config.rmsNormEpsilon, rows: rows, columns: config.hiddenSize,
                           into: normed, rstd: device.makeBuffer(.float32, count: rows, label: "final rstd"))
        return try lmHead.forward(normed, rows: rows)
    }

    /// Mean next-token cross-entropy over each sequence's positions 2…T (transformers' loss with
    /// labels = input_ids), and the number of predicted tokens.
    public func loss(ids: [Int32], batch: Int) throws -> (loss: Double, tokens: Int) {
        let logits = try logits(ids: ids, batch: batch)
        let length = ids.count / batch
        let labels = (0..<ids.count).map { n in n % length == length - 1 ? Int32(-100) : ids[n + 1] }
        let losses = try device.makeBuffer(.float32, count: ids.count, label: "losses")
        try device.crossEntropy(logits: logits, labels: device.makeBuffer(labels, label: "labels"), rows: ids.count,
                                vocabulary: config.vocabularySize, gradientScale: 0, losses: losses, logitsGradient: nil)
        let values: [Float] = try losses.download()
        let tokens = labels.filter { $0 != -100 }.count
        return (values.reduce(0.0) { $0 + Double($1) } / Double(tokens), tokens)
    }
}

/// One decoder block's frozen norms and its seven projections.
public final class DecoderLayer {
    public let index: Int
    let inputNorm: DeviceBuffer
    let postAttentionNorm: DeviceBuffer
    public let projections: [String: Projection]

    init(index: Int, inputNorm: DeviceBuffer, postAttentionNorm: DeviceBuffer, projections: [String: Projection]) {
        self.index = index
        self.inputNorm = inputNorm
        self.postAttentionNorm = postAttentionNorm
        self.projections = projections
    }

    func forward(_ x: DeviceBuffer, batch: Int, length: Int, attention: CausalAttention, config: ModelConfig, mode: LoRAMode) throws -> DeviceBuffer {
        let device = x.device
        let rows = batch * length, hidden = config.hiddenSize
        func norm(_ input: DeviceBuffer, _ weight: DeviceBuffer) throws -> DeviceBuffer {
            let out = try device.makeBuffer(.float32, count: input.count, label: "norm")
            try device.rmsNorm(input, weight: weight, epsilon: config.rmsNormEpsilon, rows: rows, columns: hidden, into: out,
                               rstd: device.makeBuffer(.float32, count: rows, label: "rstd"))
            return out
        }
        func project(_ module: String, _ input: DeviceBuffer) throws -> DeviceBuffer {
            try projections[module]!.forward(input, rows: rows, mode: mode).0
        }
        let h = try norm(x, inputNorm)
        let q = try project("q_proj", h), k = try project("k_proj", h), v = try project("v_proj", h)
        try device.rope(q, rows: rows, heads: config.attentionHeads, headDimension: config.headDimension, sequenceLength: length,
                        theta: config.ropeTheta, inverse: false)
        try device.rope(k, rows: rows, heads: config.keyValueHeads, headDimension: config.headDimension, sequenceLength: length,
                        theta: config.ropeTheta, inverse: false)
        let (attended, _) = try attention.forward(q: q, k: k, v: v, batch: batch)
        let residual = try project("o_proj", attended)
        try device.add(x, residual, into: residual)
        let h2 = try norm(residual, postAttentionNorm)
        let gate = try project("gate_proj", h2), up = try project("up_proj", h2)
        try device.swiglu(gate: gate, up: up, into: gate)
        let out = try project("down_proj", gate)
        try device.add(residual, out, into: out)
        return out
    }
}
