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

    /// Sum of squares with 16 independent lanes, so the loop vectorises and its rounding error
    /// grows like a pairwise sum's rather than a serial one's.
    static func sumOfSquares(_ p: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(p)
        var lanes = SIMD16<Float>.zero
        var j = 0
        while j + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
            lanes += v * v   // not addProduct: without FMA in the target it calls fmaf per lane
            j += 16
        }
        var total = lanes.sum()
        while j < count {
            total += p[j] * p[j]
            j += 1
        }
        return total
    }
}
