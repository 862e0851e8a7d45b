extension OpenCLDevice {
    public func nf4DequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float,
                                    nestedBlockSize: Int, into absmax: DeviceBuffer) throws {
        try NF4Contract.dequantizeAbsmax(codes: codes, map: map, scales: scales, nestedBlockSize: nestedBlockSize,
                                         absmax: absmax, on: self)
        try launch("nf4_dequantize_absmax", program: "nf4",
                   arguments: [.ulong(UInt64(codes.count)), .int(Int32(nestedBlockSize)), .float(offset),
                               .buffer(codes), .buffer(map), .buffer(scales), .buffer(absmax)],
                   over: .items(codes.count))
    }

    public func nf4Dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, into out: DeviceBuffer) throws {
        try NF4Contract.dequantize(packed: packed, absmax: absmax, blockSize: blockSize, count: count, out: out, on: self)
        try launch(out.elementType == .float16 ? "nf4_dequantize_half" : "nf4_dequantize_float", program: "nf4",
                   arguments: [.ulong(UInt64(count)), .int(Int32(blockSize)), .buffer(packed), .buffer(absmax), .buffer(out)],
                   over: .items(count))
    }
}

extension OpenCLDevice {
    public func nf4Quantize(_ values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer) throws {
        try NF4Contract.quantize(values: values, blockSize: blockSize, packed: packed, absmax: absmax, on: self)
        try launch("nf4_quantize", program: "nf4",
                   arguments: [.ulong(UInt64(values.count)), .int(Int32(blockSize)), .buffer(values), .buffer(absmax), .buffer(packed)],
                   over: .groups(absmax.count))
    }
}
