import Foundation
import LoRAKit

/// The LoRA family: dropout's masks must be the same elements on every device (Philox), the
/// expansion and the merge are rank-r sums bounded like a GEMM's.
extension OpHarness {
    static let dropoutProbabilities: [String: Float] = ["p=0.1": 0.1, "p=0.5 in place": 0.5, "p=0.05": 0.05, "p=0 copies": 0]

    /// The mask is integer Philox arithmetic and a kept element is one multiply by the same
    /// float32 1/(1 − p), so every device gives the host's bits; the reference is the mask of
    /// `DropoutKey.maskFactors` times x, rounded once (u·|x·factor|, 0 where dropped).
    static let dropout = OpHarnessEntry(
        .dropout,
        shapes: [OpShape(7, 13, variant: "p=0.1"), OpShape(33, 65, variant: "p=0.5 in place"), OpShape(64, 128, variant: "p=0.05"),
                 OpShape(7, 13, variant: "p=0 copies")],
        tolerances: ["out": OutputTolerance(host: .bitExact, reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            let key = DropoutKey(seed: random.next(), stream: UInt32(truncatingIfNeeded: random.next()), step: UInt32(random.integer(0..<100_000)))
            return (x: random.floats(shape.elementCount, in: -4...4), key: key, p: dropoutProbabilities[shape.variant]!)
        },
        run: { device, shape, inputs in
            let x = try device.makeBuffer(inputs.x, label: "x")
            let out = shape.variant.hasSuffix("in place") ? x : try device.makeBuffer(.float32, count: inputs.x.count, label: "out")
            try device.dropout(x, into: out, probability: inputs.p, key: inputs.key)
            return try downloadOutputs(["out": out])
        },
        reference: { _, inputs in
            let kept = zip(inputs.x, inputs.key.maskFactors(count: inputs.x.count, probability: inputs.p)).map { Double($0) * Double($1) }
            return ["out": ReferenceOutput(kept, bound: kept.map { u * abs($0) })]
        })

    /// dims: rows, outFeatures, rank. Y starts as NaN: the expansion writes Y without reading it.
    /// Bound 2(r + 2)·u·(|bias| + |s|·Σ|T·B|), a rank-r dot product's.
    static let loraExpand = OpHarnessEntry(
        .loraExpand, shapes: [OpShape(33, 65, 7, variant: "bias"), OpShape(64, 128, 16), OpShape(7, 13, 1, variant: "bias"),
                             OpShape(3, 300, 64, variant: "bias")],
        tolerances: ["Y": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (t: random.floats(shape[0] * shape[2]), b: random.floats(shape[1] * shape[2], in: -0.5...0.5),
             bias: shape.variant == "bias" ? random.floats(shape[1]) : nil, scale: random.uniform(0.5...4))
        },
        run: { device, shape, inputs in
            let (rows, outFeatures, rank) = (shape[0], shape[1], shape[2])
            let y = try device.makeBuffer([Float](repeating: .nan, count: rows * outFeatures), label: "Y")
            try device.loraExpand(t: device.makeBuffer(inputs.t, label: "T"), b: device.makeBuffer(inputs.b, label: "B"),
                                  bias: inputs.bias.map { try device.makeBuffer($0, label: "bias") }, scale: inputs.scale,
                                  rows: rows, outFeatures: outFeatures, rank: rank, into: y)
            return try downloadOutputs(["Y": y])
        },
        reference: { shape, inputs in
            let (rows, outFeatures, rank) = (shape[0], shape[1], shape[2])
            var values: [Double] = [], bound: [Double] = []
            for m in 0..<rows {
                for o in 0..<outFeatures {
                    let bias = Double(inputs.bias?[o] ?? 0)
                    let terms = (0..<rank).map { Double(inputs.scale) * Double(inputs.t[m * rank + $0]) * Double(inputs.b[o * rank + $0]) }
                    values.append(bias + terms.reduce(0, +))
                    bound.append(2 * Double(rank + 2) * u * (abs(bias) + terms.reduce(0) { $0 + abs($1) }))
                }
            }
            return ["Y": ReferenceOutput(values, bound: bound)]
        })
}
