import Foundation
import LoRAKit
import Testing

/// One shape an op runs at: a label for messages ("33×65×17 α=0.75 β=0.5"), the dimensions the
/// entry's generator reads, and which variant (element type, in place, transposes) it is.
struct OpShape: Sendable, CustomStringConvertible {
    let dims: [Int]
    let variant: String

    init(_ dims: Int..., variant: String = "") {
        self.dims = dims
        self.variant = variant
    }

    subscript(_ i: Int) -> Int { dims[i] }

    /// The product of the dimensions: the element count of a tensor of this shape.
    var elementCount: Int { dims.reduce(1, *) }

    var label: String { dims.map(String.init).joined(separator: "×") + (variant.isEmpty ? "" : " \(variant)") }
    var description: String { label }

    /// A dimension that is odd: the tails of vector lanes, work-groups and tiles get exercised.
    var isOdd: Bool { dims.contains { $0 % 2 == 1 } }
    /// Every dimension a power of two or a multiple of 8: the fast paths without tails.
    var isRound: Bool { dims.allSatisfy { $0 % 8 == 0 || $0 & ($0 - 1) == 0 } }
}

/// How close one output must be: to the host's result (every device), and to the
/// double-precision reference where the entry has one that gives this output (nil: it does not).
struct OutputTolerance: Sendable {
    let host: OpTolerance
    let reference: OpTolerance?
}

/// The harness's description of one `DeviceOperation`: shapes, a seeded input generator, how
/// to run it on a device (making the buffers there and downloading every output, for in-place
/// ops the updated operand), an optional double-precision reference, and a tolerance per output.
struct OpHarnessEntry: Sendable, CustomStringConvertible {
    let operation: DeviceOperation
    let shapes: [OpShape]
    /// By output name; `run` must return exactly these outputs.
    let tolerances: [String: OutputTolerance]
    let hasReference: Bool
    private let prepareInputs: @Sendable (OpShape, inout OpHarnessRandom) throws -> PreparedOp

    /// `generate` draws the inputs (and parameters) for a shape; `run` and `reference` get the
    /// same inputs, so every device and the reference see the very same values.
    init<Inputs>(_ operation: DeviceOperation, shapes: [OpShape], tolerances: [String: OutputTolerance],
                 generate: @escaping @Sendable (OpShape, inout OpHarnessRandom) throws -> Inputs,
                 run: @escaping @Sendable (any Device, OpShape, Inputs) throws -> [String: OpArray],
                 reference: (@Sendable (OpShape, Inputs) throws -> [String: ReferenceOutput])? = nil) {
        self.operation = operation
        self.shapes = shapes
        self.tolerances = tolerances
        hasReference = reference != nil
        prepareInputs = { shape, random in
            let inputs = try generate(shape, &random)
            return PreparedOp(run: { device in try run(device, shape, inputs) },
                              reference: reference.map { reference in { try reference(shape, inputs) } })
        }
    }

    var description: String { operation.rawValue }

    func prepare(_ shape: OpShape) throws -> PreparedOp {
        var random = OpHarnessRandom(label: "\(operation.rawValue)|\(shape.label)")
        return try prepareInputs(shape, &random)
    }
}

/// An entry's op with its inputs drawn for one shape.
struct PreparedOp {
    let run: (any Device) throws -> [String: OpArray]
    let reference: (() throws -> [String: ReferenceOutput])?
}

/// One entry at one of its shapes: what the harness's tests take as arguments.
struct OpHarnessCase: Sendable, CustomTestStringConvertible {
    let entry: OpHarnessEntry
    let shape: OpShape

    var testDescription: String { "\(entry.operation) [\(shape)]" }
}
