/// One decoder block: two norms and seven projections (LoRA or frozen; all trained in
/// full-parameter training, where the norms get gradients too).
///
///     h = norm₁(x);  q, k, v = proj(h);  rope(q, k);  a = attention(q, k, v)
///     r = x + o_proj(a);  h₂ = norm₂(r);  out = r + down(silu(gate(h₂)) ⊙ up(h₂))
public final class DecoderLayer {
    public let index: Int
    let inputNorm: DeviceBuffer
    let postAttentionNorm: DeviceBuffer
    public let projections: [String: Projection]
    /// The norms' weight gradients; nil when the norms are frozen.
    let normGradients: (input: DeviceBuffer, postAttention: DeviceBuffer)?
    /// RoPE's inverse frequencies (headDimension/2), shared by every layer of a model.
    let ropeFrequencies: DeviceBuffer

    init(index: Int, inputNorm: DeviceBuffer, postAttentionNorm: DeviceBuffer, projections: [String: Projection],
         normGradients: (input: DeviceBuffer, postAttention: DeviceBuffer)? = nil, ropeFrequencies: DeviceBuffer) {
        self.index = index
        self.ropeFrequencies = ropeFrequencies
        self.inputNorm = inputNorm
        self.postAttentionNorm = postAttentionNorm
        self.projections = projections
        self.normGradients = normGradients
    }

    /// What backward needs from a training forward.
    struct Cache {
        let x: DeviceBuffer, h: DeviceBuffer, rstd1: DeviceBuffer
        let residual: DeviceBuffer, h2: DeviceBuffer, rstd2: DeviceBuffer
        let gate: DeviceBuffer, up: DeviceBuffer, activation: DeviceBuffer, attended: DeviceBuffer
        let attention: CausalAttention.Saved
        let saved: [String: LoRASavedState]
    }

    /// `positions` (int32, one per token) are given for packed sequences: each token's position
    /// within its own example, for RoPE and the block-diagonal attention.
    func forward(_ x: DeviceBuffer, batch: Int, length: Int, attention: CausalAttention, config: ModelConfig,
                 mode: LoRAMode, positions: DeviceBuffer? = nil) throws -> (output: DeviceBuffer, cache: Cache?) {
        try run(x, rows: batch * length, config: config, mode: mode) { q, k, v in
            try rotate(q, k, rows: batch * length, sequenceLength: length, from: 0, positions: positions, inverse: false, config: config)
            let (attended, saved) = try attention.forward(q: q, k: k, v: v, batch: batch, positions: positions)
            return (attended, saved)
        }
    }

    /// RoPE on Q (query heads) and K (key/value heads) in place, at `positions` when given, else
    /// at `from + row mod sequenceLength`; `inverse` rotates back (the backward pass).
    private func rotate(_ q: DeviceBuffer, _ k: DeviceBuffer, rows: Int, sequenceLength: Int, from offset: Int, positions: DeviceBuffer? = nil,
                        inverse: Bool, config: ModelConfig) throws {
        for (x, heads) in [(q, config.attentionHeads), (k, config.keyValueHeads)] {
            if let positions {
                try x.device.rope(x, rows: rows, heads: heads, headDimension: config.headDimension, positions: positions,
                                  inverseFrequencies: ropeFrequencies, inverse: inverse)
            } else {
                try x.device.rope(x, rows: rows, heads: heads, headDimension: config.headDimension, sequenceLength: sequenceLength,
                                  inverseFrequencies: ropeFrequencies, inverse: inverse, positionOffset: offset)
            }
        }
    }

    /// Inference on `rows` new tokens of one sequence at positions `position...`: their keys and
    /// values join the cache (`keys`, `values`: capacity×(kvHeads·d)) and they attend to every
    /// cached token before them.
    func decode(_ x: DeviceBuffer, rows: Int, position: Int, keys: DeviceBuffer, values: DeviceBuffer,
                config: ModelConfig) throws -> DeviceBuffer {
        try run(x, rows: rows, config: config, mode: .inference) { q, k, v in
            let device = x.device
            let width = config.keyValueHeads * config.headDimension
            try rotate(q, k, rows: rows, sequenceLength: rows, from: position, inverse: false, config: config)
            try device.copy(from: k, range: 0..<(rows * width), to: keys, at: position * width)
            try device.copy(from: v, range: 0..<(rows * width), to: values, at: position * width)
            let attention = try CausalAttention(heads: config.attentionHeads, keyValueHeads: config.keyValueHeads,
                                                headDimension: config.headDimension, sequenceLength: rows)
            return (try attention.forward(q: q, rows: rows, cachedKeys: keys, cachedValues: values, length: position + rows), nil)
        }.output
    }

    /// The block around its attention: norm, q/k/v projections, `attend` (RoPE and attention),
    /// o_proj and residual, norm, SwiGLU MLP and residual. Training mode returns what backward needs.
    private func run(_ x: DeviceBuffer, rows: Int, config: ModelConfig, mode: LoRAMode,
                     attend: (_ q: DeviceBuffer, _ k: DeviceBuffer, _ v: DeviceBuffer) throws -> (DeviceBuffer, CausalAttention.Saved?))
        throws -> (output: DeviceBuffer, cache: Cache?) {
        let device = x.device
        let hidden = config.hiddenSize
        var saved: [String: LoRASavedState] = [:]
        func norm(_ input: DeviceBuffer, _ weight: DeviceBuffer) throws -> (DeviceBuffer, DeviceBuffer) {
            let out = try device.makeBuffer(.float32, count: input.count, label: "norm", contents: .unspecified)
            let rstd = try device.makeBuffer(.float32, count: rows, label: "rstd", contents: .unspecified)
            try device.rmsNorm(input, weight: weight, epsilon: config.rmsNormEpsilon, rows: rows, columns: hidden, into: out, rstd: rstd)
            return (out, rstd)
        }
        func project(_ module: String, _ input: DeviceBuffer) throws -> DeviceBuffer {
            let (y, state) = try projections[module]!.forward(input, rows: rows, mode: mode)
            saved[module] = state
            return y
        }
        let (h, rstd1) = try norm(x, inputNorm)
        let q = try project("q_proj", h), k = try project("k_proj", h), v = try project("v_proj", h)
        let (attended, attentionSaved) = try attend(q, k, v)
        let residual = try project("o_proj", attended)
        try device.add(x, residual, into: residual)
        let (h2, rstd2) = try norm(residual, postAttentionNorm)
        let gate = try project("gate_proj", h2), up = try project("up_proj", h2)
        let activation = try device.makeBuffer(.float32, count: gate.count, label: "swiglu", contents: .unspecified)
        try device.swiglu(gate: gate, up: up, into: activation)
        let out = try project("down_proj", activation)
        try device.add(residual, out, into: out)
        guard case .training = mode, let attentionSaved else { return (out, nil) }
        return (out, Cache(x: x, h: h, rstd1: rstd1, residual: residual, h2: h2, rstd2: rstd2, gate: gate, up: up,
                           activation: activation, attended: attended, attention: attentionSaved, saved: saved))
    }

    /// dx from dOut; parameter gradients (LoRA, or everything in full-parameter training) accumulate.
    func backward(_ dOut: DeviceBuffer, cache: Cache, batch: Int, length: Int, attention: CausalAttention,
                  config: ModelConfig, positions: DeviceBuffer? = nil) throws -> DeviceBuffer {
        let device = dOut.device
        let rows = batch * length, hidden = config.hiddenSize
        // Every gradient buffer below is overwritten in full before it is read (a copy, an
        // overwriting backward, swigluBackward), so reused memory needs no fill.
        func buffer(_ count: Int, _ label: String) throws -> DeviceBuffer {
            try device.makeBuffer(.float32, count: count, label: label, contents: .unspecified)
        }
        func back(_ module: String, _ dY: DeviceBuffer, input: DeviceBuffer, into dX: DeviceBuffer, _ update: GradientUpdate) throws {
            try projections[module]!.backward(dY, saved: cache.saved[module], input: input, rows: rows, into: dX, update: update)
        }
        /// A norm's backward into the residual stream's gradient, and its weight's gradient when it is trained.
        func normBackward(_ dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, weight: DeviceBuffer, weightGradient: DeviceBuffer?) throws {
            if let weightGradient {
                try device.rmsNormWeightGradient(dy, x: x, rstd: rstd, rows: rows, columns: hidden, into: weightGradient, update: .accumulate)
            }
            try device.rmsNormBackward(dy, x: x, weight: weight, rstd: rstd, rows: rows, columns: hidden, into: dResidual, update: .accumulate)
        }
        // MLP: out = r + down(act)
        let dResidual = try buffer(rows * hidden, "dResidual")
        try device.copy(from: dOut, to: dResidual)
        let dActivation = try buffer(cache.activation.count, "dActivation")
        try back("down_proj", dOut, input: cache.activation, into: dActivation, .overwrite)
        let dGate = try buffer(cache.gate.count, "dGate"), dUp = try buffer(cache.up.count, "dUp")
        try device.swigluBackward(dActivation, gate: cache.gate, up: cache.up, gateGradient: dGate, upGradient: dUp)
        let dH2 = try buffer(rows * hidden, "dH2")
        try back("gate_proj", dGate, input: cache.h2, into: dH2, .overwrite)
        try back("up_proj", dUp, input: cache.h2, into: dH2, .accumulate)
        try normBackward(dH2, x: cache.residual, rstd: cache.rstd2, weight: postAttentionNorm, weightGradient: normGradients?.postAttention)
        // Attention: r = x + o_proj(a)
        let dAttended = try buffer(cache.attended.count, "dAttended")
        try back("o_proj", dResidual, input: cache.attended, into: dAttended, .overwrite)
        let (dq, dk, dv) = try attention.backward(outputGradient: dAttended, saved: cache.attention)
        // RoPE is a rotation, so its backward is the inverse rotation.
        try rotate(dq, dk, rows: rows, sequenceLength: length, from: 0, positions: positions, inverse: true, config: config)
        let dH = try buffer(rows * hidden, "dH")
        try back("q_proj", dq, input: cache.h, into: dH, .overwrite)
        try back("k_proj", dk, input: cache.h, into: dH, .accumulate)
        try back("v_proj", dv, input: cache.h, into: dH, .accumulate)
        try normBackward(dH, x: cache.x, rstd: cache.rstd1, weight: inputNorm, weightGradient: normGradients?.input)
        return dResidual
    }
}
