/// Causal grouped-query attention on already projected (and rotated) Q, K, V, built from
/// strided-batched GEMMs and the causal softmax kernel:
///
///     S = Q_h·K_gᵀ,  P = softmax(S/√d) causally,  O_h = P·V_g      (g = h / (heads / kvHeads))
///
/// Layouts are the projections' outputs: Q and O are N×(heads·d), K and V are N×(kvHeads·d), for
/// N = batch·T tokens. Score matrices (T×T per sequence and query head) are the memory this
/// costs: at most `scoreBudgetBytes` of them exist at once (twice that in backward, with their
/// gradient). When all of them fit, forward keeps P for backward; when not, both passes walk
/// the heads in chunks of whole key/value groups of one sequence, and backward recomputes each
/// chunk's P from Q and K (one more Q·Kᵀ product and softmax) instead of reading it back.
///
/// On a `FusedAttentionDevice` (the host) none of that memory exists: the device computes O in
/// cache-sized tiles and keeps one log-sum-exp per row and head for backward (`fused`).
public struct CausalAttention: Sendable {
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int
    public let sequenceLength: Int

    /// Bytes of score matrices held at once (one chunk at least: one key/value group's query
    /// heads of one sequence). 256 MiB keeps every head of a 2048-token sequence of an 8-head
    /// model in one chunk, and a Llama-3-8B layer at 8192 tokens to 256 MiB instead of 8 GiB.
    public var scoreBudgetBytes = 256 << 20

    /// Whether to use the device's fused attention where it has one (`FusedAttentionDevice`);
    /// false composes GEMMs and the causal softmax everywhere, the fused path's twin in tests.
    public var fused = true

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
        /// P for every head, when all of it fits `scoreBudgetBytes`; nil when backward recomputes it.
        public let probabilities: DeviceBuffer?
        public let batch: Int
        let positions: DeviceBuffer?
        /// The fused path's O and log-sum-exp per row and head (N×heads); nil on the composed path.
        let fusedOutput: DeviceBuffer?
        public let logSumExp: DeviceBuffer?
    }

    var group: Int { heads / keyValueHeads }
    func shape(batch: Int) -> AttentionShape {
        AttentionShape(batch: batch, sequenceLength: sequenceLength, heads: heads, keyValueHeads: keyValueHeads, headDimension: headDimension)
    }
    var scale: Float { 1 / Float(headDimension).squareRoot() }

    private func check(_ buffer: DeviceBuffer, _ name: String, columns: Int, batch: Int) throws {
        guard buffer.elementType == .float32, buffer.count == batch * sequenceLength * columns else {
            throw ModelError.invalidConfig(file: "(attention)", field: name,
                                           detail: "\(buffer) must be float32 with \(batch)·\(sequenceLength)×\(columns) elements")
        }
    }

    // The three product shapes of attention, for sequence b and key/value head g (whose query
    // heads are g·group ..< (g+1)·group). Heads sit side by side in the N×(heads·d) and
    // N×(kvHeads·d) matrices; score matrices are T×T per (sequence, query head), the one of
    // head row b·heads + h at index (b·heads + h − firstHead) of a chunk starting at firstHead.
    //
    // Causality: query row i sees keys 0...i, so the scores above the diagonal are never needed.
    // Query rows go in blocks (`blocks`), and block [r0, r1) computes scores against keys
    // 0..<r1 only; key block [c0, c1) gathers gradients from query rows c0..<T only. At T = 1024
    // (eight blocks) that skips 44 % of the score products' arithmetic.

    /// Rows per causal block, at least (the last block takes the remainder; at most 8 blocks).
    /// Measured with `lorakit-bench attention` on the host (2 cores): 128-row blocks took 0.88–0.90×
    /// the time of 256-row ones at 256 tokens (where 256 meant one block) and the same at 1024;
    /// 64 rows gained nothing more. Sequences under 256 tokens stay one block.
    public var queryBlockRows = 128

    /// The query-row blocks.
    var blocks: [Range<Int>] {
        let count = max(1, min(8, sequenceLength / max(1, queryBlockRows)))
        return (0..<count).map { (sequenceLength * $0 / count)..<(sequenceLength * ($0 + 1) / count) }
    }

    /// Scores of the group's query heads for query rows `rows` against keys 0..<rows.upperBound:
    /// X_h·Y_gᵀ for X in the query layout, Y in the key/value layout (S = Q·Kᵀ forward, dP = dO·Vᵀ
    /// backward).
    private func headByKeyHead(sequence b: Int, keyHead g: Int, rows: Range<Int>, firstHead: Int) -> GEMMDescriptor {
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        return GEMMDescriptor(m: rows.count, n: rows.upperBound, k: d, transposeB: true, lda: h * d, ldb: kv * d, ldc: t,
                              offsetA: (b * t + rows.lowerBound) * h * d + g * group * d, offsetB: b * t * kv * d + g * d,
                              offsetC: (b * h + g * group - firstHead) * t * t + rows.lowerBound * t,
                              batchCount: group, strideA: d, strideB: 0, strideC: t * t)
    }

    /// Query-layout rows `rows` of the group's scores times Y_g (keys 0..<rows.upperBound):
    /// O = P·V forward, dQ = dS·K backward.
    private func scoresByKeyHead(sequence b: Int, keyHead g: Int, rows: Range<Int>, firstHead: Int) -> GEMMDescriptor {
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        return GEMMDescriptor(m: rows.count, n: d, k: rows.upperBound, lda: t, ldb: kv * d, ldc: h * d,
                              offsetA: (b * h + g * group - firstHead) * t * t + rows.lowerBound * t, offsetB: b * t * kv * d + g * d,
                              offsetC: (b * t + rows.lowerBound) * h * d + g * group * d,
                              batchCount: group, strideA: t * t, strideB: 0, strideC: d)
    }

    /// Key/value-layout gradient rows `keys` from one query head: scores_hᵀ·X_h over query rows
    /// keys.lowerBound..<T, added for all but the group's first head (dV = Σ Pᵀ·dO, dK = Σ dSᵀ·Q).
    private func transposedScoresByHead(sequence b: Int, keyHead g: Int, member: Int, keys: Range<Int>, firstHead: Int) -> GEMMDescriptor {
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        let head = g * group + member, first = keys.lowerBound
        return GEMMDescriptor(m: keys.count, n: d, k: t - first, transposeA: true, beta: member == 0 ? 0 : 1,
                              lda: t, ldb: h * d, ldc: kv * d,
                              offsetA: (b * h + head - firstHead) * t * t + first * t + first, offsetB: (b * t + first) * h * d + head * d,
                              offsetC: (b * t + first) * kv * d + g * d)
    }

    /// O (N×heads·d) and what backward needs. With `positions` (int32 per token, restarting at 0
    /// for each example packed into a sequence), each token attends only to its own example.
    public func forward(q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, batch: Int,
                        positions: DeviceBuffer? = nil) throws -> (output: DeviceBuffer, saved: Saved) {
        let device = q.device
        let (t, d, h, kv) = (sequenceLength, headDimension, heads, keyValueHeads)
        try check(q, "Q", columns: h * d, batch: batch)
        try check(k, "K", columns: kv * d, batch: batch)
        try check(v, "V", columns: kv * d, batch: batch)
        let output = try device.makeBuffer(.float32, count: batch * t * h * d, label: "attention output", contents: .unspecified)
        if fused, let device = device as? FusedAttentionDevice {
            let lse = try device.makeBuffer(.float32, count: batch * t * h, label: "attention log-sum-exp", contents: .unspecified)
            try device.fusedCausalAttention(shape(batch: batch), q: q, k: k, v: v, positions: positions, output: output, logSumExp: lse)
            return (output, Saved(q: q, k: k, v: v, probabilities: nil, batch: batch, positions: positions, fusedOutput: output, logSumExp: lse))
        }
        let chunks = self.chunks(batch: batch)
        let kept = chunks.count == 1 ? try device.makeBuffer(.float32, count: batch * h * t * t, label: "attention probabilities", contents: .unspecified) : nil
        for chunk in chunks {
            let p = try kept ?? device.makeBuffer(.float32, count: chunk.headCount(group) * t * t, label: "attention probabilities (chunk)",
                                                 contents: .unspecified)
            try probabilities(of: chunk, q: q, k: k, positions: positions, batch: batch, into: p)
            for (b, g) in chunk.pairs(keyValueHeads: kv) {
                for rows in blocks {
                    try device.gemm(scoresByKeyHead(sequence: b, keyHead: g, rows: rows, firstHead: chunk.firstHead(group)), a: p, b: v, c: output)
                }
            }
        }
        return (output, Saved(q: q, k: k, v: v, probabilities: kept, batch: batch, positions: positions, fusedOutput: nil, logSumExp: nil))
    }

    /// P = causal softmax(Q·Kᵀ/√d) for the chunk's heads, into `p` (the chunk's score matrices).
    private func probabilities(of chunk: ScoreChunk, q: DeviceBuffer, k: DeviceBuffer, positions: DeviceBuffer?, batch: Int,
                               into p: DeviceBuffer) throws {
        let device = q.device, t = sequenceLength, first = chunk.firstHead(group)
        for (b, g) in chunk.pairs(keyValueHeads: keyValueHeads) {
            for rows in blocks { try device.gemm(headByKeyHead(sequence: b, keyHead: g, rows: rows, firstHead: first), a: q, b: k, c: p) }
        }
        let groups = chunk.headCount(group)
        guard let positions else { return try device.causalSoftmax(p, groups: groups, length: t, scale: scale, into: p) }
        if chunk.pairs.count == batch * keyValueHeads {
            return try device.packedCausalSoftmax(p, groups: groups, length: t, positions: positions, scale: scale, into: p)
        }
        // A chunk lies inside one sequence: the softmax reads that sequence's positions only.
        let own = try device.makeBuffer(.int32, count: t, label: "attention chunk positions")
        try device.copy(from: positions, range: (chunk.sequence * t)..<((chunk.sequence + 1) * t), to: own, at: 0)
        try device.packedCausalSoftmax(p, groups: groups, length: t, positions: own, scale: scale, into: p)
    }

    /// dQ, dK, dV given dO. dK and dV sum over the query heads that share each key/value head.
    public func backward(outputGradient dO: DeviceBuffer, saved: Saved) throws -> (dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer) {
        let device = dO.device
        let (t, d, h, kv, batch) = (sequenceLength, headDimension, heads, keyValueHeads, saved.batch)
        try check(dO, "dO", columns: h * d, batch: batch)
        let dq = try device.makeBuffer(.float32, count: batch * t * h * d, label: "dQ", contents: .unspecified)
        let dk = try device.makeBuffer(.float32, count: batch * t * kv * d, label: "dK", contents: .unspecified)
        let dv = try device.makeBuffer(.float32, count: batch * t * kv * d, label: "dV", contents: .unspecified)
        if let output = saved.fusedOutput, let lse = saved.logSumExp, let device = device as? FusedAttentionDevice {
            try device.fusedCausalAttentionBackward(shape(batch: batch), q: saved.q, k: saved.k, v: saved.v, positions: saved.positions,
                                                    output: output, logSumExp: lse, outputGradient: dO, dq: dq, dk: dk, dv: dv)
            return (dq, dk, dv)
        }
        for chunk in chunks(batch: batch) {
            let count = chunk.headCount(group) * t * t
            let p: DeviceBuffer
            if let kept = saved.probabilities {
                p = kept
            } else {
                p = try device.makeBuffer(.float32, count: count, label: "attention probabilities (recomputed)", contents: .unspecified)
                try probabilities(of: chunk, q: saved.q, k: saved.k, positions: saved.positions, batch: batch, into: p)
            }
            let dS = try device.makeBuffer(.float32, count: count, label: "attention dP/dS", contents: .unspecified)
            try backward(chunk, dO: dO, saved: saved, p: p, dS: dS, into: (dq, dk, dv))
        }
        return (dq, dk, dv)
    }

    /// The chunk's share of backward, given its probabilities `p` and a scratch `dS` of their size.
    private func backward(_ chunk: ScoreChunk, dO: DeviceBuffer, saved: Saved, p: DeviceBuffer, dS: DeviceBuffer,
                          into gradients: (dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer)) throws {
        let device = dO.device, first = chunk.firstHead(group), pairs = chunk.pairs(keyValueHeads: keyValueHeads)
        for (b, g) in pairs {
            for rows in blocks {                                                                       // dP = dO·Vᵀ
                try device.gemm(headByKeyHead(sequence: b, keyHead: g, rows: rows, firstHead: first), a: dO, b: saved.v, c: dS)
            }
            for member in 0..<group {                                                                  // dV = Σ Pᵀ·dO
                for keys in blocks {
                    try device.gemm(transposedScoresByHead(sequence: b, keyHead: g, member: member, keys: keys, firstHead: first),
                                    a: p, b: dO, c: gradients.dv)
                }
            }
        }
        // dS = scale·P⊙(dP − Σ P⊙dP): the softmax's backward, with the 1/√d folded in.
        try device.causalSoftmaxBackward(probabilities: p, gradient: dS, groups: chunk.headCount(group), length: sequenceLength,
                                         scale: scale, into: dS)
        for (b, g) in pairs {
            for rows in blocks {                                                                       // dQ = dS·K
                try device.gemm(scoresByKeyHead(sequence: b, keyHead: g, rows: rows, firstHead: first), a: dS, b: saved.k, c: gradients.dq)
            }
            for member in 0..<group {                                                                  // dK = Σ dSᵀ·Q
                for keys in blocks {
                    try device.gemm(transposedScoresByHead(sequence: b, keyHead: g, member: member, keys: keys, firstHead: first),
                                    a: dS, b: saved.q, c: gradients.dk)
                }
            }
        }
    }
}
