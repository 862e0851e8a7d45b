/// Operand checks for the NF4 family, shared by both backends.
public enum NF4Contract {
    public static func dequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, nestedBlockSize: Int,
                                 absmax: DeviceBuffer, on device: any Device) throws {
        let operation = "nf4DequantizeAbsmax"
        try OperandCheck.onDevice([("codes", codes)], operation: operation, on: device)
        try OperandCheck.float32([("map", map), ("scales", scales), ("absmax", absmax)], operation: operation, on: device)
        guard codes.elementType == .uint8 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "codes \(codes)", expected: .uint8, actual: codes.elementType)
        }
        guard map.count == 256 else { throw DeviceError.invalidShape(operation: operation, detail: "map has \(map.count) values, not 256") }
        guard nestedBlockSize >= 1, nestedBlockSize <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: operation, detail: "nested block size \(nestedBlockSize) must be positive")
        }
        guard absmax.count == codes.count else {
            throw DeviceError.invalidShape(operation: operation, detail: "absmax has \(absmax.count) elements but codes \(codes.count)")
        }
        let needed = (codes.count + nestedBlockSize - 1) / nestedBlockSize
        guard scales.count == needed else {
            throw DeviceError.invalidShape(operation: operation, detail: "scales has \(scales.count) values, \(codes.count) codes in blocks of \(nestedBlockSize) need \(needed)")
        }
    }

    public static func dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, out: DeviceBuffer, on device: any Device) throws {
        let operation = "nf4Dequantize"
        try OperandCheck.onDevice([("packed", packed), ("absmax", absmax), ("out", out)], operation: operation, on: device)
        guard packed.elementType == .uint8 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "packed \(packed)", expected: .uint8, actual: packed.elementType)
        }
        guard absmax.elementType == .float32 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "absmax \(absmax)", expected: .float32, actual: absmax.elementType)
        }
        guard out.elementType == .float32 || out.elementType == .float16 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "out \(out)", expected: .float32, actual: out.elementType)
        }
        guard blockSize >= 1, blockSize <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: operation, detail: "block size \(blockSize) must be positive")
        }
        guard count >= 1, count <= out.count else {
            throw DeviceError.invalidShape(operation: operation, detail: "count \(count) must be at least 1 and fit out (\(out.count) elements)")
        }
        guard packed.count == (count + 1) / 2 else {
            throw DeviceError.invalidShape(operation: operation, detail: "packed has \(packed.count) bytes but \(count) values need \((count + 1) / 2)")
        }
        let blocks = (count + blockSize - 1) / blockSize
        guard absmax.count == blocks else {
            throw DeviceError.invalidShape(operation: operation, detail: "absmax has \(absmax.count) values but \(count) values in blocks of \(blockSize) need \(blocks)")
        }
    }

    public static func quantize(values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer, on device: any Device) throws {
        let operation = "nf4Quantize"
        try OperandCheck.float32([("values", values), ("absmax", absmax)], operation: operation, on: device)
        try OperandCheck.onDevice([("packed", packed)], operation: operation, on: device)
        guard packed.elementType == .uint8 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "packed \(packed)", expected: .uint8, actual: packed.elementType)
        }
        guard (32...4096).contains(blockSize), blockSize & (blockSize - 1) == 0 else {
            throw DeviceError.invalidArgument(operation: operation, detail: "block size \(blockSize) is not a power of two from 32 to 4096")
        }
        guard packed.count == (values.count + 1) / 2 else {
            throw DeviceError.invalidShape(operation: operation, detail: "packed has \(packed.count) bytes but \(values.count) values need \((values.count + 1) / 2)")
        }
        let blocks = (values.count + blockSize - 1) / blockSize
        guard absmax.count == blocks else {
            throw DeviceError.invalidShape(operation: operation, detail: "absmax has \(absmax.count) values but \(values.count) values in blocks of \(blockSize) need \(blocks)")
        }
    }
}
