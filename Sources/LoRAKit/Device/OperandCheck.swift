/// Checks shared by every operation: operands live on the executing device and have the element
/// type the operation computes in. Backends call these before touching memory.
public enum OperandCheck {
    public static func onDevice(_ operands: [(String, DeviceBuffer)], operation: String, on device: any Device) throws {
        for (name, buffer) in operands where buffer.device !== device {
            throw DeviceError.wrongDevice(operation: operation, operand: "\(name) \(buffer)",
                                          expected: device.info.identifier, actual: buffer.device.info.identifier)
        }
    }

    public static func float32(_ operands: [(String, DeviceBuffer)], operation: String, on device: any Device) throws {
        try onDevice(operands, operation: operation, on: device)
        for (name, buffer) in operands where buffer.elementType != .float32 {
            throw DeviceError.typeMismatch(operation: operation, operand: "\(name) \(buffer)",
                                           expected: .float32, actual: buffer.elementType)
        }
    }

    public static func sameCount(_ operands: [(String, DeviceBuffer)], operation: String) throws {
        guard let first = operands.first else { return }
        for (name, buffer) in operands.dropFirst() where buffer.count != first.1.count {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "\(name) has \(buffer.count) elements but \(first.0) has \(first.1.count)")
        }
    }
}
