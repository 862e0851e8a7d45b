/// Causal grouped-query attention on already projected (and rotated) Q, K, V, built from
/// strided-batched GEMMs and the causal softmax kernel:
///
///     S = Q_h·K_gᵀ,  P = softmax(S/√d) causally,  O_h = P·V_g      (g = h / (heads / kvHeads))
///
/// Layouts are the projections' outputs: Q and O are N×(heads·d), K and V are N×(kvHeads·d), for
/// N = batch·T tokens. The probabilities P are kept for backward: batch·heads·T·T floats (for
/// T = 512 and 32 heads, 32 MiB per sequence), the memory price of this GEMM-based first version.
public struct CausalAttention: Sendable {
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int
    public let sequenceLength: Int

    public init(heads: Int, keyValueHeads: Int, headDimension: Int, sequenceLength: Int) throws {
        guard heads >= 1, keyValueHeads >= 1, heads % keyValueHeads == 0, headDimension >= 1, sequenceLength >= 1 else {
            throw ModelError.invalidConfig(file: "(attention)", field: "heads",
                                           detail: "heads \(heads) must be a positive multiple of key/value heads \(keyValueHeads); d \(headDimension) and T \(sequenceLength) positive")
        }
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.headDimension = headDimension
        self.sequenceLength = sequenceLength
    }

    public struct Saved {
        public let q: DeviceBuffer
        public let k: DeviceBuffer
        public let v: DeviceBuffer
        public let probabilities: DeviceBuffer
        public let batch: Int
    }

    var group: Int { heads / keyValueHeads }
    var scale: Float { 1 / Float(headDimension).squareRoot() }

    private func check(_ buffer: DeviceBuffer, _ name: String, columns: Int, batch: Int) throws {
        guard buffer.elementType == .float32, buffer.count == batch * sequenceLength * columns else {
            throw ModelError.invalidConfig(file: "(attention)", field: name,
                                           detail: "\(buffer) must be float32 with \(batch)·\(sequenceLength)×\(columns) elements")
        }
    }

    // The three product shapes of attention, for sequence b and key/value head g (whose query
    // heads are g·group ..< (g+1)·group). Heads sit side by side in the N×(heads·d) and
    // N×(kvHeads·d) matrices; score matrices are T×T per (sequence, query head).

    /// T×T scores of the group's query heads: X_h·Y_gᵀ for X in the query layout, Y in the key/value
    /// layout (S = Q·Kᵀ forward, dP = dO·Vᵀ backward).
    private func headByKeyHead(sequence b: Int, keyHead g: Int) -> GEMMDescriptor {
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        return GEMMDescriptor(m: t, n: t, k: d, transposeB: true, lda: h * d, ldb: kv * d, ldc: t,
                              offsetA: b * t * h * d + g * group * d, offsetB: b * t * kv * d + g * d,
                              offsetC: (b * h + g * group) * t * t, batchCount: group, strideA: d, strideB: 0, strideC: t * t)
    }

    /// Query-layout result of the group's scores times Y_g: O = P·V forward, dQ = dS·K backward.
    private func scoresByKeyHead(sequence b: Int, keyHead g: Int) -> GEMMDescriptor {
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        return GEMMDescriptor(m: t, n: d, k: t, lda: t, ldb: kv * d, ldc: h * d,
                              offsetA: (b * h + g * group) * t * t, offsetB: b * t * kv * d + g * d,
                              offsetC: b * t * h * d + g * group * d, batchCount: group, strideA: t * t, strideB: 0, strideC: d)
    }

    /// Key/value-layout gradient from one query head: scores_hᵀ·X_h, added for all but the group's
    /// first head (dV = Σ Pᵀ·dO, dK = Σ dSᵀ·Q).
    private func transposedScoresByHead(sequence b: Int, keyHead g: Int, member: Int) -> GEMMDescriptor {
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        let head = g * group + member
        return GEMMDescriptor(m: t, n: d, k: t, transposeA: true, beta: member == 0 ? 0 : 1, lda: t, ldb: h * d, ldc: kv * d,
                              offsetA: (b * h + head) * t * t, offsetB: b * t * h * d + head * d, offsetC: b * t * kv * d + g * d)
    }

    /// O (N×heads·d) and what backward needs.
    public func forward(q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, batch: Int) throws -> (output: DeviceBuffer, saved: Saved) {
        let device = q.device
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        try check(q, "Q", columns: h * d, batch: batch)
        try check(k, "K", columns: kv * d, batch: batch)
        try check(v, "V", columns: kv * d, batch: batch)
        let p = try device.makeBuffer(.float32, count: batch * h * t * t, label: "attention probabilities")
        let output = try device.makeBuffer(.float32, count: batch * t * h * d, label: "attention output")
        for b in 0..<batch {
            for g in 0..<kv { try device.gemm(headByKeyHead(sequence: b, keyHead: g), a: q, b: k, c: p) }
        }
        try device.causalSoftmax(p, groups: batch * h, length: t, scale: scale, into: p)
        for b in 0..<batch {
            for g in 0..<kv { try device.gemm(scoresByKeyHead(sequence: b, keyHead: g), a: p, b: v, c: output) }
        }
        return (output, Saved(q: q, k: k, v: v, probabilities: p, batch: batch))
    }

    /// dQ, dK, dV given dO. dK and dV sum over the query heads that share each key/value head.
    public func backward(outputGradient dO: DeviceBuffer, saved: Saved) throws -> (dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer) {
        let device = dO.device
        let (t, d, h, kv, batch) = (sequenceLength, headDimension, heads, keyValueHeads, saved.batch)
        try check(dO, "dO", columns: h * d, batch: batch)
        let dq = try device.makeBuffer(.float32, count: batch * t * h * d, label: "dQ")
        let dk = try device.makeBuffer(.float32, count: batch * t * kv * d, label: "dK")
        let dv = try device.makeBuffer(.float32, count: batch * t * kv * d, label: "dV")
        let dS = try device.makeBuffer(.float32, count: batch * h * t * t, label: "attention dP/dS")
        for b in 0..<batch {
            for g in 0..<kv {
                try device.gemm(headByKeyHead(sequence: b, keyHead: g), a: dO, b: saved.v, c: dS)   // dP = dO·Vᵀ
                for member in 0..<group {                                                              // dV = Σ Pᵀ·dO
                    try device.gemm(transposedScoresByHead(sequence: b, keyHead: g, member: member), a: saved.probabilities, b: dO, c: dv)
                }
            }
        }
        // dS = scale·P⊙(dP − Σ P⊙dP): the softmax's backward, with the 1/√d folded in.
        try device.causalSoftmaxBackward(probabilities: saved.probabilities, gradient: dS, groups: batch * h, length: t, scale: scale, into: dS)
        for b in 0..<batch {
            for g in 0..<kv {
                try device.gemm(scoresByKeyHead(sequence: b, keyHead: g), a: dS, b: saved.k, c: dq)    // dQ = dS·K
                for member in 0..<group {                                                              // dK = Σ dSᵀ·Q
                    try device.gemm(transposedScoresByHead(sequence: b, keyHead: g, member: member), a: dS, b: saved.q, c: dk)
                }
            }
        }
        return (dq, dk, dv)
    }
}
