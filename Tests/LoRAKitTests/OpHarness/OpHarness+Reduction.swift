import Foundation
import LoRAKit

/// The sums of squares (RMSNorm's reduction, the global gradient norm). Every term is positive,
/// so a float32 sum of n of them in any order is within (n + 2)·u of the exact value relative
/// (doubled for lane-wise or tree-shaped sums).
extension OpHarness {
    static let rowSumOfSquares = OpHarnessEntry(
        .rowSumOfSquares, shapes: [OpShape(7, 13), OpShape(33, 65), OpShape(64, 128), OpShape(3, 1001)],
        tolerances: ["out": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in random.floats(shape.elementCount, in: -3...3) },
        run: { device, shape, x in
            let out = try device.makeBuffer([Float](repeating: .nan, count: shape[0]), label: "out")
            try device.rowSumOfSquares(device.makeBuffer(x, label: "x"), rows: shape[0], columns: shape[1], into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { shape, x in
            let sums = (0..<shape[0]).map { row in sumOfSquares(x[(row * shape[1])..<((row + 1) * shape[1])]) }
            return ["out": ReferenceOutput(sums, bound: sums.map { 2 * Double(shape[1] + 2) * u * $0 })]
        })

    /// dims: elements, parts, offset into the partials. Partials outside [offset, offset + parts)
    /// start random and must be left exactly as they were (bound 0).
    static let partialSumsOfSquares = OpHarnessEntry(
        .partialSumsOfSquares, shapes: [OpShape(1001, 13, 3), OpShape(91, 91, 1), OpShape(8192, 64, 0)],
        tolerances: ["partials": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (x: random.floats(shape[0], in: -3...3), partials: random.floats(shape[1] + shape[2] + 2))
        },
        run: { device, shape, inputs in
            let partials = try device.makeBuffer(inputs.partials, label: "partials")
            try device.partialSumsOfSquares(device.makeBuffer(inputs.x, label: "x"), parts: shape[1], into: partials, at: shape[2])
            return try downloadOutputs(["partials": partials])
        },
        reference: { shape, inputs in
            let (n, parts, offset) = (shape[0], shape[1], shape[2])
            var values = inputs.partials.map(Double.init), bound = [Double](repeating: 0, count: values.count)
            for part in 0..<parts {
                let range = (part * n / parts)..<((part + 1) * n / parts)
                values[offset + part] = sumOfSquares(inputs.x[range])
                bound[offset + part] = 2 * Double(range.count + 2) * u * values[offset + part]
            }
            return ["partials": ReferenceOutput(values, bound: bound)]
        })

    static func sumOfSquares(_ x: ArraySlice<Float>) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } }
}
