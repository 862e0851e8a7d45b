/// Attention of new queries against a key/value cache, for incremental decoding (one sequence).
/// `sequenceLength` is the number of new rows n; the cache holds `length` = earlier + n keys, and
/// new row i (position length − n + i) sees keys 0...length − n + i. Scores are heads·n·length
/// floats: for one new token, one row per head instead of the T×T of a full forward.
extension CausalAttention {
    /// O (n×heads·d) for Q (n×heads·d) and the first `length` rows of the caches (capacity×kvHeads·d).
    public func forward(q: DeviceBuffer, rows n: Int, cachedKeys keys: DeviceBuffer, cachedValues values: DeviceBuffer,
                        length: Int) throws -> DeviceBuffer {
        let device = q.device
        let (d, h, kv) = (headDimension, heads, keyValueHeads)
        guard n == sequenceLength, q.elementType == .float32, q.count == n * h * d, length >= n,
              keys.count >= length * kv * d, values.count >= length * kv * d else {
            throw ModelError.invalidConfig(file: "(attention)", field: "cache",
                                           detail: "Q \(q) must hold \(n) rows of \(h)·\(d) and the caches \(keys), \(values) at least \(length) rows of \(kv)·\(d)")
        }
        let scores = try device.makeBuffer(.float32, count: h * n * length, label: "cached attention scores")
        let output = try device.makeBuffer(.float32, count: n * h * d, label: "attention output")
        for g in 0..<kv {
            // S_h = Q_h·K_gᵀ (n×length) for the group's query heads, side by side in `scores`.
            try device.gemm(GEMMDescriptor(m: n, n: length, k: d, transposeB: true, lda: h * d, ldb: kv * d, ldc: length,
                                           offsetA: g * group * d, offsetB: g * d, offsetC: g * group * n * length,
                                           batchCount: group, strideA: d, strideB: 0, strideC: n * length),
                            a: q, b: keys, c: scores)
        }
        try device.causalSoftmax(scores, groups: h, rows: n, columns: length, scale: scale, into: scores)
        for g in 0..<kv {
            // O_h = P_h·V_g into the query layout.
            try device.gemm(GEMMDescriptor(m: n, n: d, k: length, lda: length, ldb: kv * d, ldc: h * d,
                                           offsetA: g * group * n * length, offsetB: g * d, offsetC: g * group * d,
                                           batchCount: group, strideA: n * length, strideB: 0, strideC: d),
                            a: scores, b: values, c: output)
        }
        return output
    }
}
