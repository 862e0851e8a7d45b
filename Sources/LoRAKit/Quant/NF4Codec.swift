/// Host quantization and dequantization, matching bitsandbytes 0.50's CPU path bit for bit.
public enum NF4Codec {
    /// Quantizes row-major `values` of `shape`. With `doubleQuantize`, the absmax values are
    /// quantized too (bitsandbytes' `compress_statistics`, QLoRA's double quantization).
    public static func quantize(_ values: [Float], shape: [Int], blockSize: Int = 64, doubleQuantize: Bool = true,
                                originalDType: SafeTensorsDType = .f32) throws -> NF4Tensor {
        try NF4Tensor.checkBlockSize(blockSize)
        guard shape.reduce(1, *) == values.count, !values.isEmpty else {
            throw QuantizationError.invalidShape("\(values.count) values do not fill shape \(shape)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw QuantizationError.nonFiniteInput(index: bad, value: values[bad])
        }
        let (packed, absmax) = values.withUnsafeBufferPointer { NF4BlockQuantizer.quantize($0, blockSize: blockSize) }
        let statistics: NF4Tensor.Absmax = doubleQuantize ? .doubleQuantized(.quantize(absmax)) : .plain(absmax)
        return try NF4Tensor(shape: shape, blockSize: blockSize, packed: packed, absmax: statistics, originalDType: originalDType)
    }

    /// Dequantizes to float32 as bitsandbytes does: code value × block absmax in float32.
    public static func dequantize(_ tensor: NF4Tensor) -> [Float] {
        let absmax = tensor.blockAbsmax
        let n = tensor.elementCount
        return (0..<n).map { i in
            let byte = tensor.packed[i / 2]
            let code = i % 2 == 0 ? byte >> 4 : byte & 0x0F
            return NF4Codebook.values[Int(code)] * absmax[i / tensor.blockSize]
        }
    }
}

extension DoubleQuantizedAbsmax {
    /// Double quantization as bitsandbytes does it: subtract `offset` (by default the mean),
    /// then quantize to 8 bits with the dynamic map in blocks of 256, each scaled by its absmax
    /// (see `DynamicMapLookup` for how a value picks its code).
    ///
    /// The default offset is the correctly rounded mean. bitsandbytes takes torch's float32
    /// mean, whose summation order follows the CPU's vector width, so its last bit can differ
    /// between machines (and from ours by one ulp); pass bitsandbytes' offset to reproduce its
    /// codes exactly.
    public static func quantize(_ absmax: [Float], offset: Float? = nil) -> DoubleQuantizedAbsmax {
        let offset = offset ?? Float(absmax.reduce(0.0) { $0 + Double($1) } / Double(absmax.count))
        let centred = absmax.map { $0 - offset }
        let map = NF4Codebook.dynamicMap
        let blockSize = 256
        var scales: [Float] = []
        var codes = [UInt8](repeating: 0, count: centred.count)
        for start in stride(from: 0, to: centred.count, by: blockSize) {
            let range = start ..< min(centred.count, start + blockSize)
            let scale = centred[range].reduce(Float(0)) { max($0, abs($1)) }
            scales.append(scale)
            guard scale > 0 else { continue }   // an all-zero block keeps code 0, as in bitsandbytes
            let reciprocal = 1 / scale
            for i in range { codes[i] = DynamicMapLookup.code(of: centred[i] * reciprocal) }
        }
        return DoubleQuantizedAbsmax(codes: codes, scales: scales, offset: offset, map: map, blockSize: blockSize)
    }
}
