/// Operand checks for the transformer family, shared by both backends.
public enum TransformerContract {
    public static func rows(_ rows: Int, columns: Int, operation: String) throws {
        guard rows >= 1, columns >= 1, columns <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: operation, detail: "rows \(rows) and columns \(columns) must be at least 1 (columns below 2³¹)")
        }
    }

    public static func count(_ buffer: DeviceBuffer, _ name: String, is expected: Int, operation: String) throws {
        guard buffer.count == expected else {
            throw DeviceError.invalidShape(operation: operation, detail: "\(name) \(buffer) has \(buffer.count) elements, not \(expected)")
        }
    }

    public static func rmsNorm(x: DeviceBuffer, weight: DeviceBuffer, y: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                        epsilon: Float, on device: any Device) throws {
        let operation = "rmsNorm"
        try OperandCheck.float32([("x", x), ("weight", weight), ("y", y), ("rstd", rstd)], operation: operation, on: device)
        try Self.rows(rows, columns: columns, operation: operation)
        guard epsilon > 0, epsilon.isFinite else {
            throw DeviceError.invalidArgument(operation: operation, detail: "epsilon \(epsilon) must be positive")
        }
        try count(x, "x", is: rows * columns, operation: operation)
        try count(y, "y", is: rows * columns, operation: operation)
        try count(weight, "weight", is: columns, operation: operation)
        try count(rstd, "rstd", is: rows, operation: operation)
    }

    public static func rmsNormBackward(dy: DeviceBuffer, x: DeviceBuffer, weight: DeviceBuffer, rstd: DeviceBuffer, dx: DeviceBuffer,
                                rows: Int, columns: Int, on device: any Device) throws {
        let operation = "rmsNormBackward"
        try OperandCheck.float32([("dy", dy), ("x", x), ("weight", weight), ("rstd", rstd), ("dx", dx)], operation: operation, on: device)
        try Self.rows(rows, columns: columns, operation: operation)
        for (name, buffer) in [("dy", dy), ("x", x), ("dx", dx)] { try count(buffer, name, is: rows * columns, operation: operation) }
        try count(weight, "weight", is: columns, operation: operation)
        try count(rstd, "rstd", is: rows, operation: operation)
    }

    public static func swiglu(_ operands: [(String, DeviceBuffer)], operation: String, on device: any Device) throws {
        try OperandCheck.float32(operands, operation: operation, on: device)
        try OperandCheck.sameCount(operands, operation: operation)
    }

    public static func rope(x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int, inverseFrequencies: DeviceBuffer,
                     positionOffset: Int, on device: any Device) throws {
        let operation = "rope"
        try OperandCheck.float32([("x", x), ("inverseFrequencies", inverseFrequencies)], operation: operation, on: device)
        guard positionOffset >= 0, positionOffset + sequenceLength <= Int(Int32.max) else {
            throw DeviceError.invalidArgument(operation: operation, detail: "position offset \(positionOffset) must be non-negative and below 2³¹")
        }
        guard rows >= 1, heads >= 1, sequenceLength >= 1, headDimension >= 2, headDimension % 2 == 0,
              heads <= Int(Int32.max), headDimension <= Int(Int32.max), sequenceLength <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "rows \(rows), heads \(heads), sequence length \(sequenceLength) must be positive and head dimension \(headDimension) even")
        }
        try count(inverseFrequencies, "inverseFrequencies", is: headDimension / 2, operation: operation)
        try count(x, "x", is: rows * heads * headDimension, operation: operation)
    }

    public static func causalSoftmax(_ operands: [(String, DeviceBuffer)], groups: Int, rows: Int, columns: Int, operation: String,
                              on device: any Device) throws {
        try OperandCheck.float32(operands, operation: operation, on: device)
        try Self.rows(groups * rows, columns: columns, operation: operation)
        guard rows >= 1, columns >= rows else {
            throw DeviceError.invalidShape(operation: operation, detail: "rows \(rows) must be at least 1 and at most columns \(columns)")
        }
        for (name, buffer) in operands { try count(buffer, name, is: groups * rows * columns, operation: operation) }
    }

    /// Packed sequences' int32 positions: one per row, on the device.
    public static func positions(_ positions: DeviceBuffer, rows: Int, operation: String, on device: any Device) throws {
        try OperandCheck.onDevice([("positions", positions)], operation: operation, on: device)
        guard positions.elementType == .int32 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "positions \(positions)", expected: .int32, actual: positions.elementType)
        }
        try count(positions, "positions", is: rows, operation: operation)
    }

    public static func rope(x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, positions: DeviceBuffer, inverseFrequencies: DeviceBuffer,
                     on device: any Device) throws {
        try rope(x: x, rows: rows, heads: heads, headDimension: headDimension, sequenceLength: 1, inverseFrequencies: inverseFrequencies,
                 positionOffset: 0, on: device)
        try Self.positions(positions, rows: rows, operation: "rope", on: device)
    }

    public static func packedCausalSoftmax(scores: DeviceBuffer, probabilities: DeviceBuffer, groups: Int, length: Int, positions: DeviceBuffer,
                                    on device: any Device) throws {
        let operation = "packedCausalSoftmax"
        try causalSoftmax([("scores", scores), ("probabilities", probabilities)], groups: groups, rows: length, columns: length,
                          operation: operation, on: device)
        guard positions.count > 0, positions.count % length == 0, groups % (positions.count / length) == 0 else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "positions \(positions.count) must be batch·\(length) for a batch that divides the \(groups) groups")
        }
        try Self.positions(positions, rows: positions.count, operation: operation, on: device)
    }

    public static func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int, on device: any Device) throws {
        let operation = "copy"
        try OperandCheck.onDevice([("source", source), ("destination", destination)], operation: operation, on: device)
        guard source.elementType == destination.elementType else {
            throw DeviceError.typeMismatch(operation: operation, operand: "destination \(destination)", expected: source.elementType,
                                           actual: destination.elementType)
        }
        guard source !== destination, range.lowerBound >= 0, range.upperBound <= source.count, offset >= 0,
              offset + range.count <= destination.count else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "elements \(range) of \(source) do not fit \(destination) at \(offset) (or the buffers are the same)")
        }
    }

    public static func crossEntropy(logits: DeviceBuffer, labels: DeviceBuffer, losses: DeviceBuffer, gradient: DeviceBuffer?,
                             rows: Int, vocabulary: Int, on device: any Device) throws {
        let operation = "crossEntropy"
        var floats = [("logits", logits), ("losses", losses)]
        if let gradient { floats.append(("logitsGradient", gradient)) }
        try OperandCheck.float32(floats, operation: operation, on: device)
        try OperandCheck.onDevice([("labels", labels)], operation: operation, on: device)
        guard labels.elementType == .int32 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "labels \(labels)", expected: .int32, actual: labels.elementType)
        }
        try Self.rows(rows, columns: vocabulary, operation: operation)
        try count(logits, "logits", is: rows * vocabulary, operation: operation)
        if let gradient { try count(gradient, "logitsGradient", is: rows * vocabulary, operation: operation) }
        try count(labels, "labels", is: rows, operation: operation)
        try count(losses, "losses", is: rows, operation: operation)
    }

    public static func embedding(ids: DeviceBuffer, table: DeviceBuffer, out: DeviceBuffer, vocabulary: Int, columns: Int, on device: any Device) throws {
        let operation = "embedding"
        try OperandCheck.onDevice([("ids", ids), ("table", table)], operation: operation, on: device)
        try OperandCheck.float32([("out", out)], operation: operation, on: device)
        guard ids.elementType == .int32 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "ids \(ids)", expected: .int32, actual: ids.elementType)
        }
        guard [.float32, .float16, .bfloat16].contains(table.elementType) else {
            throw DeviceError.typeMismatch(operation: operation, operand: "table \(table)", expected: .float32, actual: table.elementType)
        }
        try rows(vocabulary, columns: columns, operation: operation)
        guard vocabulary <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: operation, detail: "vocabulary \(vocabulary) exceeds 32-bit token ids")
        }
        try count(table, "table", is: vocabulary * columns, operation: operation)
        try count(out, "out", is: ids.count * columns, operation: operation)
    }

    public static func rmsNormWeightGradient(dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, dw: DeviceBuffer,
                                      rows: Int, columns: Int, on device: any Device) throws {
        let operation = "rmsNormWeightGradient"
        try OperandCheck.float32([("dy", dy), ("x", x), ("rstd", rstd), ("dw", dw)], operation: operation, on: device)
        try Self.rows(rows, columns: columns, operation: operation)
        guard rows <= Int(Int32.max) else { throw DeviceError.invalidShape(operation: operation, detail: "rows \(rows) must be below 2³¹") }
        for (name, buffer) in [("dy", dy), ("x", x)] { try count(buffer, name, is: rows * columns, operation: operation) }
        try count(rstd, "rstd", is: rows, operation: operation)
        try count(dw, "dw", is: columns, operation: operation)
    }

    public static func embeddingBackward(ids: DeviceBuffer, dOut: DeviceBuffer, dTable: DeviceBuffer, vocabulary: Int, columns: Int,
                                  on device: any Device) throws {
        let operation = "embeddingBackward"
        try OperandCheck.onDevice([("ids", ids)], operation: operation, on: device)
        try OperandCheck.float32([("dOut", dOut), ("dTable", dTable)], operation: operation, on: device)
        guard ids.elementType == .int32 else {
            throw DeviceError.typeMismatch(operation: operation, operand: "ids \(ids)", expected: .int32, actual: ids.elementType)
        }
        try rows(vocabulary, columns: columns, operation: operation)
        guard vocabulary <= Int(Int32.max), ids.count <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: operation, detail: "vocabulary \(vocabulary) and \(ids.count) ids must be below 2³¹")
        }
        try count(dTable, "dTable", is: vocabulary * columns, operation: operation)
        try count(dOut, "dOut", is: ids.count * columns, operation: operation)
    }
}
