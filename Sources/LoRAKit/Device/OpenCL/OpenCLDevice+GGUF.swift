import LoRAKitGGUF

extension OpenCLDevice {
    public func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws {
        try GGUFContract.dequantize(type, packed: packed, count: count, out: out, on: self)
        // The block formats make 4 elements per work-item (blocks are 32 or 256 long, so count
        // divides by 4); F16 and BF16 one. launch() refuses more than 2^32 work-items, so the
        // work-item count fits a uint.
        let perItem = type.blockSize == 1 ? 1 : 4
        let items = count / perItem
        try launch("gguf_dequantize_\(type.description.lowercased())", program: "gguf",
                   arguments: [.uint(UInt32(truncatingIfNeeded: items)), .buffer(packed), .buffer(out)],
                   over: .items(items))
    }
}
