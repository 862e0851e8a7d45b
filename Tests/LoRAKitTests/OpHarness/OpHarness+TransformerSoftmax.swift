import Foundation
import LoRAKit

/// Attention's softmax, plain (square, and with cached keys), packed (block-diagonal), and its
/// backward. A probability is exp of a rounded argument over a sum of up to T exponentials:
/// within (T + 16)·u of itself (TransformerOpsTests' bound); the zeros must be exact.
extension OpHarness {
    /// dims: groups, rows, columns (rows < columns: new queries over cached keys).
    static let causalSoftmax = OpHarnessEntry(
        .causalSoftmax, shapes: [OpShape(3, 13, 13), OpShape(2, 5, 17, variant: "cached keys"), OpShape(2, 64, 64, variant: "in place")],
        tolerances: ["P": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in (scores: random.floats(shape.elementCount, in: -10...10), scale: random.uniform(0.1...0.5)) },
        run: { device, shape, inputs in
            let scores = try device.makeBuffer(inputs.scores, label: "S")
            let p = shape.variant == "in place" ? scores : try device.makeBuffer(.float32, count: inputs.scores.count, label: "P")
            try device.causalSoftmax(scores, groups: shape[0], rows: shape[1], columns: shape[2], scale: inputs.scale, into: p)
            return try downloadOutputs(["P": p])
        },
        reference: { shape, inputs in
            let (rows, columns) = (shape[1], shape[2])
            let p = softmaxReference(inputs.scores, rows: shape[0] * rows, columns: columns, scale: inputs.scale) { row in
                0...(row % rows + columns - rows)
            }
            return ["P": ReferenceOutput(p, bound: p.map { Double(columns + 16) * u * $0 })]
        })

    /// dims: batch, heads, T. Positions restart at each packed example; row t keeps its own example's keys.
    static let packedCausalSoftmax = OpHarnessEntry(
        .packedCausalSoftmax, shapes: [OpShape(2, 3, 13), OpShape(2, 4, 64)],
        tolerances: ["P": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (scores: random.floats(shape.elementCount * shape[2], in: -10...10), scale: random.uniform(0.1...0.5),
             // Each sequence packs its own examples: positions restart at its first row.
             positions: (0..<shape[0]).flatMap { _ in packedPositions(shape[2], &random, longest: shape[2] / 2) })
        },
        run: { device, shape, inputs in
            let p = try device.makeBuffer(.float32, count: inputs.scores.count, label: "P")
            try device.packedCausalSoftmax(device.makeBuffer(inputs.scores, label: "S"), groups: shape[0] * shape[1], length: shape[2],
                                           positions: device.makeBuffer(inputs.positions, label: "positions"), scale: inputs.scale, into: p)
            return try downloadOutputs(["P": p])
        },
        reference: { shape, inputs in
            let (heads, t) = (shape[1], shape[2])
            let p = softmaxReference(inputs.scores, rows: shape[0] * heads * t, columns: t, scale: inputs.scale) { row in
                let query = row % t, sequence = row / t / heads
                return (query - Int(inputs.positions[sequence * t + query]))...query
            }
            return ["P": ReferenceOutput(p, bound: p.map { Double(t + 16) * u * $0 })]
        })

    /// softmax(scale·S) over the columns `kept(row)` of each row, zeros elsewhere.
    static func softmaxReference(_ scores: [Float], rows: Int, columns: Int, scale: Float,
                                 kept: (Int) -> ClosedRange<Int>) -> [Double] {
        var p = [Double](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            let range = kept(row), base = row * columns
            let largest = range.map { Double(scale) * Double(scores[base + $0]) }.max()!
            let sum = range.reduce(0.0) { $0 + exp(Double(scale) * Double(scores[base + $1]) - largest) }
            for j in range { p[base + j] = exp(Double(scale) * Double(scores[base + j]) - largest) / sum }
        }
        return p
    }

    /// dims: groups, T. P is a real causal softmax (the reference's, rounded); dS = scale·P⊙(dP − Σ P⊙dP),
    /// bounded by 2(T + 8)·u·|scale|·P·(|dP| + Σ|P⊙dP|).
    static let causalSoftmaxBackward = OpHarnessEntry(
        .causalSoftmaxBackward, shapes: [OpShape(3, 13), OpShape(2, 64, variant: "in place")],
        tolerances: ["dS": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            let (groups, t) = (shape[0], shape[1]), scale = random.uniform(0.1...0.5)
            let p = softmaxReference(random.floats(groups * t * t, in: -10...10), rows: groups * t, columns: t, scale: scale) { 0...($0 % t) }
            return (p: p.map(Float.init), dP: random.floats(groups * t * t), scale: scale)
        },
        run: { device, shape, inputs in
            let dP = try device.makeBuffer(inputs.dP, label: "dP")
            let dS = shape.variant == "in place" ? dP : try device.makeBuffer(.float32, count: inputs.dP.count, label: "dS")
            try device.causalSoftmaxBackward(probabilities: device.makeBuffer(inputs.p, label: "P"), gradient: dP, groups: shape[0],
                                             length: shape[1], scale: inputs.scale, into: dS)
            return try downloadOutputs(["dS": dS])
        },
        reference: { shape, inputs in ["dS": softmaxBackwardReference(inputs.p, inputs.dP, rows: shape[0] * shape[1], t: shape[1], scale: inputs.scale)] })

    private static func softmaxBackwardReference(_ p: [Float], _ dP: [Float], rows: Int, t: Int, scale: Float) -> ReferenceOutput {
        var values = [Double](repeating: 0, count: rows * t), bound = values
        for row in 0..<rows {
            let base = row * t, kept = 0...(row % t)
            let dot = kept.reduce(0.0) { $0 + Double(p[base + $1]) * Double(dP[base + $1]) }
            let magnitude = kept.reduce(0.0) { $0 + abs(Double(p[base + $1]) * Double(dP[base + $1])) }
            for j in kept {
                values[base + j] = Double(scale) * Double(p[base + j]) * (Double(dP[base + j]) - dot)
                bound[base + j] = 2 * Double(t + 8) * u * Double(scale) * Double(p[base + j]) * (abs(Double(dP[base + j])) + magnitude)
            }
        }
        return ReferenceOutput(values, bound: bound)
    }
}
