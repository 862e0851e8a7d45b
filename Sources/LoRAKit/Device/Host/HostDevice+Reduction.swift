extension HostDevice {
    public func rowSumOfSquares(_ x: DeviceBuffer, rows: Int, columns: Int, into out: DeviceBuffer) throws {
        try ReductionContract.rowSumOfSquares(x: x, rows: rows, columns: columns, out: out, on: self)
        let px = UnsafePointer(floats(x)), po = floats(out)
        ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 15) / columns)) { rowRange in
            for row in rowRange {
                po[row] = Self.sumOfSquares(px + row * columns, count: columns)
            }
        }
    }

    public func partialSumsOfSquares(_ x: DeviceBuffer, parts: Int, into partials: DeviceBuffer, at offset: Int) throws {
        try ReductionContract.partialSumsOfSquares(x: x, parts: parts, partials: partials, offset: offset, on: self)
        let px = UnsafePointer(floats(x)), po = floats(partials), n = x.count
        ParallelLoop.chunks(parts, minimumChunk: max(1, (1 << 15) / max(1, n / parts))) { partRange in
            for part in partRange {
                let start = part * n / parts, end = (part + 1) * n / parts
                po[offset + part] = Self.sumOfSquares(px + start, count: end - start)
            }
        }
    }

    /// Σ p[j]² in 16 independent lanes, so the loop vectorises and its rounding error grows like
    /// a pairwise sum's rather than a serial one's.
    static func sumOfSquares(_ p: UnsafePointer<Float>, count: Int) -> Float { HostMath.dot(p, p, count: count) }
}
