import LoRAKitGGUF

/// Operand checks for GGUF (llama.cpp block format) dequantization, shared by both backends.
public enum GGUFContract {
    /// The types every device dequantizes. F32 needs no dequantization; Q8_K is llama.cpp's
    /// intermediate format for dot products and never stored in model files; the IQ and TQ
    /// formats are not implemented.
    static let supportedTypes: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                             .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    public static func dequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, out: DeviceBuffer, on device: any Device) throws {
        let operation = "ggufDequantize"
        try OperandCheck.onDevice([("packed", packed), ("out", out)], operation: operation, on: device)
        guard supportedTypes.contains(type) else {
            throw DeviceError.invalidArgument(operation: operation, detail: "GGUF type \(type) is not supported on devices; "
                                              + "supported: \(supportedTypes.map(\.description).joined(separator: ", "))")
        }
        guard packed.elementType == .uint8 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "packed \(packed)", expected: .uint8, actual: packed.elementType)
        }
        guard out.elementType == .float32 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "out \(out)", expected: .float32, actual: out.elementType)
        }
        guard count >= 1, count % type.blockSize == 0 else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "count \(count) is not a positive multiple of \(type)'s block size \(type.blockSize)")
        }
        guard count <= out.count else {
            throw DeviceError.invalidShape(operation: operation, detail: "count \(count) does not fit out (\(out.count) elements)")
        }
        let blocks = count / type.blockSize
        guard packed.count == blocks * type.bytesPerBlock else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "packed has \(packed.count) bytes but \(count) \(type) values "
                                           + "(\(blocks) blocks of \(type.bytesPerBlock) bytes) need \(blocks * type.bytesPerBlock)")
        }
    }
}
