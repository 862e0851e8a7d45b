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

    /// Σ p[j]² in 16 independent lanes, so the loop vectorises and its rounding error grows like
    /// a pairwise sum's rather than a serial one's.
    static func sumOfSquares(_ p: UnsafePointer<Float>, count: Int) -> Float { HostMath.dot(p, p, count: count) }
}
