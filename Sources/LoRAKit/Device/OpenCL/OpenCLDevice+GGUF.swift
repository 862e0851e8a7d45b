import LoRAKitGGUF

extension OpenCLDevice {
    public func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws {
        try GGUFContract.dequantize(type, packed: packed, count: count, out: out, on: self)
        // One work-item per element; launch() refuses more than 2^32, so the count fits a uint.
        try launch("gguf_dequantize_\(type.description.lowercased())", program: "gguf",
                   arguments: [.uint(UInt32(truncatingIfNeeded: count)), .buffer(packed), .buffer(out)],
                   global: count, local: tuning.elementwiseWorkGroup)
    }
}
