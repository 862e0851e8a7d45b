/// Operand checks for the elementwise family (`axpy`, `scale`, `fill`, `add`, `convert`, `widen`), shared by both
/// backends so that they reject exactly the same inputs.
public enum ElementwiseContract {
    public static func axpy(x: DeviceBuffer, y: DeviceBuffer, on device: any Device) throws {
        try OperandCheck.float32([("x", x), ("y", y)], operation: "axpy", on: device)
        try OperandCheck.sameCount([("x", x), ("y", y)], operation: "axpy")
    }

    public static func scale(x: DeviceBuffer, on device: any Device) throws {
        try OperandCheck.float32([("x", x)], operation: "scale", on: device)
    }

    public static func broadcastRows(row: DeviceBuffer, rows: Int, out: DeviceBuffer, on device: any Device) throws {
        try OperandCheck.float32([("row", row), ("out", out)], operation: "broadcastRows", on: device)
        guard rows >= 1, out.count == rows * row.count else {
            throw DeviceError.invalidShape(operation: "broadcastRows",
                                           detail: "out has \(out.count) elements, not rows \(rows) × \(row.count)")
        }
    }

    public static func fill(x: DeviceBuffer, on device: any Device) throws {
        try OperandCheck.float32([("x", x)], operation: "fill", on: device)
    }

    public static func add(a: DeviceBuffer, b: DeviceBuffer, out: DeviceBuffer, on device: any Device) throws {
        let operands = [("a", a), ("b", b), ("out", out)]
        try OperandCheck.float32(operands, operation: "add", on: device)
        try OperandCheck.sameCount(operands, operation: "add")
    }

    /// Which way a `convert` goes: into float32 (widening) or out of it (narrowing), and the
    /// 16-bit type on the other side.
    public static func convert(source: DeviceBuffer, destination: DeviceBuffer, on device: any Device) throws -> (narrowing: Bool, storage: ElementType) {
        let operands = [("source", source), ("destination", destination)]
        try OperandCheck.onDevice(operands, operation: "convert", on: device)
        try OperandCheck.sameCount(operands, operation: "convert")
        switch (source.elementType, destination.elementType) {
        case (.float32, .float16), (.float32, .bfloat16): return (true, destination.elementType)
        case (.float16, .float32), (.bfloat16, .float32): return (false, source.elementType)
        default:
            throw DeviceError.typeMismatch(operation: "convert", operand: "destination \(destination)",
                                           expected: source.elementType == .float32 ? .float16 : .float32,
                                           actual: destination.elementType)
        }
    }

    public static func widen(source: DeviceBuffer, range: Range<Int>, out: DeviceBuffer, on device: any Device) throws {
        let operation = "widen"
        try OperandCheck.onDevice([("source", source)], operation: operation, on: device)
        try OperandCheck.float32([("out", out)], operation: operation, on: device)
        guard source.elementType == .float16 || source.elementType == .bfloat16 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "source \(source)", expected: .bfloat16, actual: source.elementType)
        }
        guard range.lowerBound >= 0, range.upperBound <= source.count, !range.isEmpty else {
            throw DeviceError.invalidShape(operation: operation, detail: "elements \(range) are not a non-empty range of \(source)")
        }
        guard range.count <= out.count else {
            throw DeviceError.invalidShape(operation: operation, detail: "out \(out) is smaller than the \(range.count) elements widened")
        }
    }
}

/// Operand checks for the reduction family.
public enum ReductionContract {
    public static func partialSumsOfSquares(x: DeviceBuffer, parts: Int, partials: DeviceBuffer, offset: Int, on device: any Device) throws {
        let operation = "partialSumsOfSquares"
        try OperandCheck.float32([("x", x), ("partials", partials)], operation: operation, on: device)
        guard parts >= 1, parts <= x.count else {
            throw DeviceError.invalidShape(operation: operation, detail: "parts \(parts) must be from 1 to x's \(x.count) elements")
        }
        guard offset >= 0, offset + parts <= partials.count else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "partials[\(offset)..<\(offset + parts)] is outside its \(partials.count) elements")
        }
    }

    public static func rowSumOfSquares(x: DeviceBuffer, rows: Int, columns: Int, out: DeviceBuffer, on device: any Device) throws {
        let operation = "rowSumOfSquares"
        try OperandCheck.float32([("x", x), ("out", out)], operation: operation, on: device)
        guard rows >= 1, columns >= 1 else {
            throw DeviceError.invalidShape(operation: operation, detail: "rows \(rows) and columns \(columns) must be at least 1")
        }
        guard x.count == rows * columns else {
            throw DeviceError.invalidShape(operation: operation, detail: "x has \(x.count) elements, not rows×columns = \(rows)×\(columns)")
        }
        guard out.count == rows else {
            throw DeviceError.invalidShape(operation: operation, detail: "out has \(out.count) elements, not rows = \(rows)")
        }
    }
}
