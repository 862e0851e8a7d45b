/// NF4 quantization of float32 values in blocks, bitsandbytes 0.50's CPU path bit for bit: the
/// host twin of the `nf4_quantize` kernel, and the core of `NF4Codec.quantize` above `Device/`
/// (which adds input checks, double quantization and the tensor's metadata).
enum NF4BlockQuantizer {
    /// Packed codes (two per byte, high nibble first; an odd count pads with code 7, 0.0) and one
    /// absmax per block of `blockSize` values.
    static func quantize(_ values: UnsafeBufferPointer<Float>, blockSize: Int) -> (packed: [UInt8], absmax: [Float]) {
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
        return (packed, absmax)
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
}
