/// Operand checks for the LoRA family (`dropout`, `loraExpand`, `loraMerge`), shared by every
/// backend (public, for backends of other targets) so that all reject exactly the same inputs.
public enum LoRAContract {
    public static func dropout(x: DeviceBuffer, out: DeviceBuffer, probability: Float, on device: any Device) throws {
        let operands = [("x", x), ("out", out)]
        try OperandCheck.float32(operands, operation: "dropout", on: device)
        try OperandCheck.sameCount(operands, operation: "dropout")
        try probabilityInRange(probability, operation: "dropout")
    }

    public static func probabilityInRange(_ probability: Float, operation: String) throws {
        guard probability >= 0, probability < 1 else {
            throw DeviceError.invalidArgument(operation: operation, detail: "dropout probability \(probability) is outside [0, 1)")
        }
    }

    public static func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, y: DeviceBuffer,
                           rows: Int, outFeatures: Int, rank: Int, on device: any Device) throws {
        let operation = "loraExpand"
        var operands = [("T", t), ("B", b), ("Y", y)]
        if let bias { operands.append(("bias", bias)) }
        try OperandCheck.float32(operands, operation: operation, on: device)
        try positive(["rows": rows, "outFeatures": outFeatures, "rank": rank], operation: operation)
        try count(t, is: rows * rank, "T", "rows×rank = \(rows)×\(rank)", operation: operation)
        try count(b, is: outFeatures * rank, "B", "outFeatures×rank = \(outFeatures)×\(rank)", operation: operation)
        try count(y, is: rows * outFeatures, "Y", "rows×outFeatures = \(rows)×\(outFeatures)", operation: operation)
        if let bias { try count(bias, is: outFeatures, "bias", "outFeatures = \(outFeatures)", operation: operation) }
    }

    public static func loraMerge(weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer,
                          outFeatures: Int, inFeatures: Int, rank: Int, on device: any Device) throws {
        let operation = "loraMerge"
        try OperandCheck.float32([("B", b), ("A", a)], operation: operation, on: device)
        try OperandCheck.onDevice([("W", weight)], operation: operation, on: device)
        guard [.float32, .float16, .bfloat16].contains(weight.elementType) else {
            throw DeviceError.typeMismatch(operation: operation, operand: "W \(weight)", expected: .float32, actual: weight.elementType)
        }
        try positive(["outFeatures": outFeatures, "inFeatures": inFeatures, "rank": rank], operation: operation)
        try count(weight, is: outFeatures * inFeatures, "W", "outFeatures×inFeatures = \(outFeatures)×\(inFeatures)", operation: operation)
        try count(b, is: outFeatures * rank, "B", "outFeatures×rank = \(outFeatures)×\(rank)", operation: operation)
        try count(a, is: rank * inFeatures, "A", "rank×inFeatures = \(rank)×\(inFeatures)", operation: operation)
    }

    private static func positive(_ values: KeyValuePairs<String, Int>, operation: String) throws {
        for (name, value) in values where value < 1 {
            throw DeviceError.invalidShape(operation: operation, detail: "\(name) must be at least 1, got \(value)")
        }
        // Kernels index with 32-bit ints per dimension.
        for (name, value) in values where value > Int(Int32.max) {
            throw DeviceError.invalidShape(operation: operation, detail: "\(name) \(value) exceeds the kernels' 32-bit dimension limit")
        }
    }

    private static func count(_ buffer: DeviceBuffer, is expected: Int, _ name: String, _ what: String, operation: String) throws {
        guard buffer.count == expected else {
            throw DeviceError.invalidShape(operation: operation, detail: "\(name) \(buffer) has \(buffer.count) elements, not \(what)")
        }
    }
}

extension Device {
    /// The float32 half of `loraMerge`, shared by both backends: W = s·B·A + 1·W is a plain GEMM.
    /// Returns false (doing nothing) for a float16 or bfloat16 W, which each backend merges itself.
    func loraMergeFloat32WithGEMM(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                                  outFeatures: Int, inFeatures: Int, rank: Int) throws -> Bool {
        guard weight.elementType == .float32 else { return false }
        try gemm(m: outFeatures, n: inFeatures, k: rank, a: b, b: a, c: weight, alpha: scale, beta: 1)
        return true
    }
}
