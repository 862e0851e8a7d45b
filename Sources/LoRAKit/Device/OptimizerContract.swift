/// Operand checks for the optimizer family, shared by both backends.
public enum OptimizerContract {
    public static func adamW(parameters: DeviceBuffer, gradients: DeviceBuffer, firstMoment: DeviceBuffer, secondMoment: DeviceBuffer,
                      step: AdamWStep, on device: any Device) throws {
        let operands = [("parameters", parameters), ("gradients", gradients), ("firstMoment", firstMoment), ("secondMoment", secondMoment)]
        try OperandCheck.float32(operands, operation: "adamW", on: device)
        try OperandCheck.sameCount(operands, operation: "adamW")
        try step.validate(operation: "adamW")
    }
}
