import Foundation
import LoRAKit

/// RoPE against ReferenceRope (θ = 10 000, angles in double), whose bound 2·10⁻⁶·(position + 1)·(|a| + |b|)
/// covers the float32 angle position·θ^(−2i/D) that every device computes, as transformers does.
extension OpHarness {
    /// dims: rows, heads, head dimension, sequence length, position offset; variant: the direction.
    static let rope = OpHarnessEntry(
        .rope, shapes: [OpShape(21, 3, 18, 7, 0, variant: "forward"), OpShape(64, 4, 64, 32, 8, variant: "inverse"),
                        OpShape(5, 2, 10, 5, 93, variant: "forward")],
        tolerances: ["x": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in random.floats(shape[0] * shape[1] * shape[2], in: -2...2) },
        run: { device, shape, x in
            let buffer = try device.makeBuffer(x, label: "x")
            let frequencies = try device.makeBuffer(RotaryFrequencies.inverseFrequencies(theta: 10_000, headDimension: shape[2]), label: "frequencies")
            try device.rope(buffer, rows: shape[0], heads: shape[1], headDimension: shape[2], sequenceLength: shape[3],
                            inverseFrequencies: frequencies, inverse: shape.variant == "inverse", positionOffset: shape[4])
            return try downloadOutputs(["x": buffer])
        },
        reference: { shape, x in
            let positions = (0..<shape[0]).map { shape[4] + $0 % shape[3] }
            return ["x": ropeReference(x, positions: positions, heads: shape[1], headDimension: shape[2], inverse: shape.variant == "inverse")]
        })

    /// dims: rows, heads, head dimension; positions restart at 0 at each packed example (lengths 1 to 16).
    static let ropeAtPositions = OpHarnessEntry(
        .ropeAtPositions, shapes: [OpShape(21, 3, 18, variant: "forward"), OpShape(64, 4, 64, variant: "inverse")],
        tolerances: ["x": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (x: random.floats(shape[0] * shape[1] * shape[2], in: -2...2), positions: packedPositions(shape[0], &random))
        },
        run: { device, shape, inputs in
            let buffer = try device.makeBuffer(inputs.x, label: "x")
            let frequencies = try device.makeBuffer(RotaryFrequencies.inverseFrequencies(theta: 10_000, headDimension: shape[2]), label: "frequencies")
            try device.rope(buffer, rows: shape[0], heads: shape[1], headDimension: shape[2],
                            positions: device.makeBuffer(inputs.positions, label: "positions"), inverseFrequencies: frequencies,
                            inverse: shape.variant == "inverse")
            return try downloadOutputs(["x": buffer])
        },
        reference: { shape, inputs in
            ["x": ropeReference(inputs.x, positions: inputs.positions.map(Int.init), heads: shape[1], headDimension: shape[2],
                                inverse: shape.variant == "inverse")]
        })

    /// Positions of examples packed one after another: 0, 1, ... restarting at each example.
    static func packedPositions(_ count: Int, _ random: inout OpHarnessRandom, longest: Int = 16) -> [Int32] {
        var positions: [Int32] = []
        while positions.count < count {
            positions += (0..<min(random.integer(1..<(longest + 1)), count - positions.count)).map(Int32.init)
        }
        return positions
    }

    /// ReferenceRope, and its inverse through the conjugate: R(−θ)(a, b) = conj(R(θ)(a, −b)),
    /// the second half of every head negated before and after.
    static func ropeReference(_ x: [Float], positions: [Int], heads: Int, headDimension d: Int, inverse: Bool) -> ReferenceOutput {
        let secondHalf = { (i: Int) in i % d >= d / 2 }
        let input = inverse ? x.indices.map { secondHalf($0) ? -x[$0] : x[$0] } : x
        var (values, bound) = ReferenceRope.rotated(input, positions: positions, heads: heads, headDimension: d)
        if inverse { values = values.indices.map { secondHalf($0) ? -values[$0] : values[$0] } }
        return ReferenceOutput(values, bound: bound)
    }
}
