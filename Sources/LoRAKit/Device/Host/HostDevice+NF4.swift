extension HostDevice {
    public func nf4DequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float,
                                    nestedBlockSize: Int, into absmax: DeviceBuffer) throws {
        try NF4Contract.dequantizeAbsmax(codes: codes, map: map, scales: scales, nestedBlockSize: nestedBlockSize,
                                         absmax: absmax, on: self)
        let q = memory(codes).pointer.assumingMemoryBound(to: UInt8.self)
        let pmap = UnsafePointer(floats(map)), pscales = UnsafePointer(floats(scales)), out = floats(absmax)
        for i in 0..<codes.count {
            let scaled = pmap[Int(q[i])] * pscales[i / nestedBlockSize]
            out[i] = scaled + offset
        }
    }

    public func nf4Dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, into out: DeviceBuffer) throws {
        try NF4Contract.dequantize(packed: packed, absmax: absmax, blockSize: blockSize, count: count, out: out, on: self)
        let bytes = UnsafePointer(memory(packed).pointer.assumingMemoryBound(to: UInt8.self))
        let scales = UnsafePointer(floats(absmax))
        let toHalf = out.elementType == .float16
        let asFloat = toHalf ? nil : floats(out)
        let asHalf = toHalf ? memory(out).halves(count: count) : nil
        // Whole blocks per chunk, so each block's scale is loaded once.
        let blocks = (count + blockSize - 1) / blockSize
        ParallelLoop.chunks(blocks, minimumChunk: max(1, (1 << 16) / blockSize)) { blockRange in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { table in
                for block in blockRange {
                    let scale = scales[block]
                    // code × scale for all 16 codes: one multiply per code, as bitsandbytes does per value.
                    for code in 0..<16 { table[code] = NF4Codebook.values[code] * scale }
                    for i in block * blockSize ..< min(count, (block + 1) * blockSize) {
                        let byte = bytes[i >> 1]
                        let value = table[Int(i & 1 == 0 ? byte >> 4 : byte & 0x0F)]
                        if let asFloat { asFloat[i] = value } else { asHalf![i] = Float16(value) }
                    }
                }
            }
        }
    }
}
