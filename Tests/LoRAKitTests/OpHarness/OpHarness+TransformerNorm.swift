import Foundation
import LoRAKit

/// RMSNorm and SwiGLU with their backward. RMSNorm's results carry a sum of C terms, so they are
/// bounded by (C + 16)·u of their magnitudes (TransformerOpsTests' bound); SwiGLU's by 16·u
/// relative, a few ulps for each of exp, a division and two products, as OpenCL allows.
extension OpHarness {
    static let normShapes = [OpShape(7, 13), OpShape(33, 65), OpShape(64, 128)]
    static let epsilon: Float = 1e-5

    static let rmsNorm = OpHarnessEntry(
        .rmsNorm, shapes: normShapes,
        tolerances: ["y": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1)),
                     "rstd": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (x: random.floats(shape.elementCount, in: -3...3), w: random.normals(shape[1], scale: 0.1).map { $0 + 1 })
        },
        run: { device, shape, inputs in
            let y = try device.makeBuffer(.float32, count: inputs.x.count, label: "y")
            let rstd = try device.makeBuffer(.float32, count: shape[0], label: "rstd")
            try device.rmsNorm(device.makeBuffer(inputs.x, label: "x"), weight: device.makeBuffer(inputs.w, label: "w"),
                               epsilon: epsilon, rows: shape[0], columns: shape[1], into: y, rstd: rstd)
            return try downloadOutputs(["y": y, "rstd": rstd])
        },
        reference: { shape, inputs in
            let (rows, columns) = (shape[0], shape[1]), relative = Double(columns + 16) * u
            let rstd = (0..<rows).map { r in 1 / (sumOfSquares(inputs.x[(r * columns)..<((r + 1) * columns)]) / Double(columns) + Double(epsilon)).squareRoot() }
            let y = inputs.x.indices.map { Double(inputs.x[$0]) * rstd[$0 / columns] * Double(inputs.w[$0 % columns]) }
            return ["y": ReferenceOutput(y, bound: y.map { relative * abs($0) }),
                    "rstd": ReferenceOutput(rstd, bound: rstd.map { relative * $0 })]
        })

    /// Inputs of the norms' backward: dy, x, the forward's rstd (the reference's, rounded), w, and
    /// dx or dw as it starts (NaN when overwritten: it must not be read).
    struct NormBackwardInputs {
        var dy: [Float], x: [Float], w: [Float], rstd: [Float], start: [Float], update: GradientUpdate
    }

    static func normBackwardInputs(_ shape: OpShape, startCount: Int, _ random: inout OpHarnessRandom) -> NormBackwardInputs {
        let (rows, columns) = (shape[0], shape[1])
        let x = random.floats(rows * columns, in: -3...3)
        let rstd = (0..<rows).map { r in
            Float(1 / (sumOfSquares(x[(r * columns)..<((r + 1) * columns)]) / Double(columns) + Double(epsilon)).squareRoot())
        }
        let update: GradientUpdate = shape.variant == "accumulate" ? .accumulate : .overwrite
        return NormBackwardInputs(dy: random.floats(rows * columns), x: x, w: random.normals(columns, scale: 0.1).map { $0 + 1 },
                                  rstd: rstd, start: update == .accumulate ? random.floats(startCount) : [Float](repeating: .nan, count: startCount),
                                  update: update)
    }

    /// 257 rows: more rows than a work-group, for reductions over the rows (the weight gradient).
    static let normBackwardShapes = [OpShape(7, 13, variant: "overwrite"), OpShape(33, 65, variant: "accumulate"),
                                     OpShape(64, 128, variant: "overwrite"), OpShape(257, 33, variant: "accumulate")]

    /// dx = s·w·dy − x·(Σ w·dy·x)·s³/C (+ dx): bounded by 2(C + 8)·u of the terms' magnitudes.
    static let rmsNormBackward = OpHarnessEntry(
        .rmsNormBackward, shapes: normBackwardShapes,
        tolerances: ["dx": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in normBackwardInputs(shape, startCount: shape.elementCount, &random) },
        run: { device, shape, i in
            let dx = try device.makeBuffer(i.start, label: "dx")
            try device.rmsNormBackward(device.makeBuffer(i.dy, label: "dy"), x: device.makeBuffer(i.x, label: "x"),
                                       weight: device.makeBuffer(i.w, label: "w"), rstd: device.makeBuffer(i.rstd, label: "rstd"),
                                       rows: shape[0], columns: shape[1], into: dx, update: i.update)
            return try downloadOutputs(["dx": dx])
        },
        reference: { shape, i in ["dx": rmsNormBackwardReference(shape, i)] })

    private static func rmsNormBackwardReference(_ shape: OpShape, _ i: NormBackwardInputs) -> ReferenceOutput {
        let (rows, columns) = (shape[0], shape[1])
        var values: [Double] = [], bound: [Double] = []
        for r in 0..<rows {
            let s = Double(i.rstd[r]), base = r * columns
            let terms = (0..<columns).map { Double(i.w[$0]) * Double(i.dy[base + $0]) * Double(i.x[base + $0]) }
            let correction = terms.reduce(0, +) * s * s * s / Double(columns)
            let correctionMagnitude = terms.reduce(0) { $0 + abs($1) } * s * s * s / Double(columns)
            for c in 0..<columns {
                let first = s * Double(i.w[c]) * Double(i.dy[base + c]), x = Double(i.x[base + c])
                let start = i.update == .accumulate ? Double(i.start[base + c]) : 0
                values.append(start + first - x * correction)
                bound.append(2 * Double(columns + 8) * u * (abs(start) + abs(first) + abs(x) * correctionMagnitude))
            }
        }
        return ReferenceOutput(values, bound: bound)
    }

    /// dw[c] (+)= Σ_r dy·x·rstd, summed over the rows: 2(rows + 4)·u of the terms' magnitudes.
    static let rmsNormWeightGradient = OpHarnessEntry(
        .rmsNormWeightGradient, shapes: normBackwardShapes,
        tolerances: ["dw": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in normBackwardInputs(shape, startCount: shape[1], &random) },
        run: { device, shape, i in
            let dw = try device.makeBuffer(i.start, label: "dw")
            try device.rmsNormWeightGradient(device.makeBuffer(i.dy, label: "dy"), x: device.makeBuffer(i.x, label: "x"),
                                             rstd: device.makeBuffer(i.rstd, label: "rstd"), rows: shape[0], columns: shape[1],
                                             into: dw, update: i.update)
            return try downloadOutputs(["dw": dw])
        },
        reference: { shape, i in
            let (rows, columns) = (shape[0], shape[1])
            let sums = (0..<columns).map { c in
                let terms = (0..<rows).map { r in Double(i.dy[r * columns + c]) * Double(i.x[r * columns + c]) * Double(i.rstd[r]) }
                let start = i.update == .accumulate ? Double(i.start[c]) : 0
                return (start + terms.reduce(0, +), abs(start) + terms.reduce(0) { $0 + abs($1) })
            }
            return ["dw": ReferenceOutput(sums.map(\.0), bound: sums.map { 2 * Double(rows + 4) * u * $0.1 })]
        })
}
