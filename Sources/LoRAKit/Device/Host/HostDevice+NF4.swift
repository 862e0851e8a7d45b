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
        ParallelLoop.chunks(blocks, minimumChunk: max(1, (1 << 16) / blockSize), heavy: true) { blockRange in
            // code × scale for the 16 codes of a block: the same single multiply bitsandbytes does
            // per value, then (for float16) the same single rounding, so per-element work is a lookup.
            var table = [Float](repeating: 0, count: 16)
            var halfTable = [Float16](repeating: 0, count: 16)
            for block in blockRange {
                let scale = scales[block]
                for code in 0..<16 { table[code] = NF4Codebook.values[code] * scale }
                let elements = block * blockSize ..< min(count, (block + 1) * blockSize)
                if let asFloat {
                    for i in elements {
                        let byte = bytes[i >> 1]
                        asFloat[i] = table[Int(i & 1 == 0 ? byte >> 4 : byte & 0x0F)]
                    }
                } else if let asHalf {
                    for code in 0..<16 { halfTable[code] = Float16(table[code]) }
                    for i in elements {
                        let byte = bytes[i >> 1]
                        asHalf[i] = halfTable[Int(i & 1 == 0 ? byte >> 4 : byte & 0x0F)]
                    }
                }
            }
        }
    }
}

extension HostDevice {
    public func nf4Quantize(_ values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer) throws {
        try NF4Contract.quantize(values: values, blockSize: blockSize, packed: packed, absmax: absmax, on: self)
        let (codes, blockAbsmax) = NF4BlockQuantizer.quantize(UnsafeBufferPointer(start: floats(values), count: values.count),
                                                              blockSize: blockSize)
        try packed.upload(codes)
        try absmax.upload(blockAbsmax)
    }
}
