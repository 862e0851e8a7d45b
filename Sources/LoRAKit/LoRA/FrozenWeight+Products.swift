/// The two GEMMs that read a frozen weight W (out×in), whatever its storage: the forward
/// `Y = X·Wᵀ` and the input gradient `dX = dY·W`. Both run over blocks of W's rows as float32;
/// only a 16-bit weight larger than the scratch's block has more than one.
extension FrozenWeight {
    /// `Y = X·Wᵀ + beta·Y` for X rows×in: each block of W's rows writes its columns of Y.
    func multiply(_ x: DeviceBuffer, rows: Int, outFeatures: Int, inFeatures: Int, into y: DeviceBuffer, beta: Float,
                  scratch: DequantizationScratch) throws {
        try forEachFloat32Block(outFeatures: outFeatures, inFeatures: inFeatures, scratch: scratch) { w, block in
            try device.gemm(GEMMDescriptor(m: rows, n: block.count, k: inFeatures, transposeB: true, beta: beta,
                                           ldc: outFeatures, offsetC: block.lowerBound), a: x, b: w, c: y)
        }
    }

    /// `dX = dY·W + beta·dX` for dY rows×out: the blocks' products are summed into dX in row
    /// order, the first with `beta`, the others onto it.
    func multiplyTransposed(_ dY: DeviceBuffer, rows: Int, outFeatures: Int, inFeatures: Int, into dX: DeviceBuffer, beta: Float,
                            scratch: DequantizationScratch) throws {
        try forEachFloat32Block(outFeatures: outFeatures, inFeatures: inFeatures, scratch: scratch) { w, block in
            try device.gemm(GEMMDescriptor(m: rows, n: inFeatures, k: block.count, beta: block.lowerBound == 0 ? beta : 1,
                                           lda: outFeatures, offsetA: block.lowerBound), a: dY, b: w, c: dX)
        }
    }

    /// Runs `body(w, rows)` over consecutive blocks of W's rows, w holding those rows as float32
    /// from its first element. A float32 weight is one block, itself; an NF4 or GGUF weight one
    /// block dequantized into `scratch`. A float16 or bfloat16 weight is widened into `scratch`
    /// whole rows at a time, at most `scratch.widenBlockElements` elements (at least one row), so
    /// a bfloat16 LM head of 128256×4096 never exists in float32 at once. The scratch is held
    /// while each block's GEMM is enqueued.
    private func forEachFloat32Block(outFeatures: Int, inFeatures: Int, scratch: DequantizationScratch,
                                     _ body: (DeviceBuffer, Range<Int>) throws -> Void) throws {
        switch self {
        case .dense(let buffer) where buffer.elementType == .float32:
            try body(buffer, 0..<outFeatures)
        case .dense(let buffer):
            let blockRows = max(1, scratch.widenBlockElements / inFeatures)
            for first in stride(from: 0, to: outFeatures, by: blockRows) {
                let rows = first..<min(outFeatures, first + blockRows)
                try scratch.withFloat32(count: rows.count * inFeatures) { w in
                    try device.widen(buffer, range: (rows.lowerBound * inFeatures)..<(rows.upperBound * inFeatures), into: w)
                    try body(w, rows)
                }
            }
        case .nf4(let weight):
            try scratch.withFloat32(count: weight.elementCount) { w in
                try weight.dequantize(into: w)
                try body(w, 0..<outFeatures)
            }
        case .gguf(let weight):
            try scratch.withFloat32(count: weight.elementCount) { w in
                try weight.dequantize(into: w)
                try body(w, 0..<outFeatures)
            }
        }
    }
}
