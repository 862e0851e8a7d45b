import LoRAKitGGUF

extension HostDevice {
    public func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws {
        try GGUFContract.dequantize(type, packed: packed, count: count, out: out, on: self)
        // LoRAKitGGUF's dequantizer is the reference (bit-exact with gguf) and already parallel.
        let bytes = UnsafeRawBufferPointer(start: memory(packed).pointer, count: packed.count)
        let destination = UnsafeMutableBufferPointer(start: floats(out), count: count)
        do {
            try BlockDequantizer.dequantize(type, bytes: bytes, count: count, into: destination, label: packed.label)
        } catch {
            throw DeviceError.invalidArgument(operation: "ggufDequantize", detail: "\(error)")
        }
    }
}
