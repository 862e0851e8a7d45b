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
        let n = values.count
        let blocks = (n + blockSize - 1) / blockSize
        var absmax = [Float](repeating: 0, count: blocks)
        // One spare for the padding nibble of an odd count: bitsandbytes pads with 0.0, code 7.
        var codes = [UInt8](repeating: code(of: 0), count: n + 1)
        for block in 0..<blocks {
            let range = block * blockSize ..< min(n, (block + 1) * blockSize)
            let largest = values[range].reduce(Float(0)) { max($0, abs($1)) }
            // bitsandbytes scales full blocks by a reciprocal and the trailing partial block by a
            // division, and stores the partial block's absmax clamped at 1e-38; kept as it is so
            // that codes agree bit for bit.
            if range.count == blockSize {
                absmax[block] = largest
                let reciprocal = 1 / max(largest, 1e-38)
                for i in range { codes[i] = code(of: min(max(values[i] * reciprocal, -1), 1)) }
            } else {
                let clamped = max(largest, 1e-38)
                absmax[block] = clamped
                for i in range { codes[i] = code(of: min(max(values[i] / clamped, -1), 1)) }
            }
        }
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        for j in packed.indices { packed[j] = codes[2 * j] << 4 | codes[2 * j + 1] }
        let statistics: NF4Tensor.Absmax = doubleQuantize ? .doubleQuantized(.quantize(absmax)) : .plain(absmax)
        return try NF4Tensor(shape: shape, blockSize: blockSize, packed: packed, absmax: statistics, originalDType: originalDType)
    }

    /// The NF4 code of a value in [−1, 1]: the number of decision midpoints strictly below it
    /// (`torch.bucketize` with right=False), so a value on a midpoint takes the lower code.
    @inline(__always)
    static func code(of scaled: Float) -> UInt8 {
        var low = 0, high = NF4Codebook.midpoints.count
        while low < high {
            let middle = (low + high) / 2
            if NF4Codebook.midpoints[middle] < scaled { low = middle + 1 } else { high = middle }
        }
        return UInt8(low)
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
