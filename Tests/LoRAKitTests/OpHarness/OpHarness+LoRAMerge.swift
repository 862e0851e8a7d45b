import Foundation
import LoRAKit

extension OpHarness {
    /// dims: outFeatures, inFeatures, rank; variant: W's storage. W += s·B·A: a float32 W is a
    /// GEMM (bound 2(r + 2)·u·(|W| + |s|·Σ|B·A|)); a 16-bit W adds one rounding to its format
    /// (half its unit roundoff relative, plus float16's subnormal spacing), so two devices may
    /// differ by one 16-bit ulp where the exact value lies near a midpoint, within twice the bound.
    static let loraMerge = OpHarnessEntry(
        .loraMerge,
        shapes: [OpShape(33, 65, 7, variant: "float32"), OpShape(64, 128, 16, variant: "float32"),
                 OpShape(33, 65, 5, variant: "float16"), OpShape(64, 128, 16, variant: "float16"),
                 OpShape(7, 13, 3, variant: "bfloat16"), OpShape(64, 128, 8, variant: "bfloat16")],
        tolerances: ["W": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random -> (w: OpArray, b: [Float], a: [Float], scale: Float) in
            let (outFeatures, inFeatures, rank) = (shape[0], shape[1], shape[2])
            let w = random.normals(outFeatures * inFeatures, scale: 0.05)
            let stored: OpArray = switch shape.variant {
            case "float16": .float16(w.map(Float16.init))
            case "bfloat16": .bfloat16(w.map(BFloat16.init))
            default: .float32(w)
            }
            return (stored, random.normals(outFeatures * rank, scale: 0.05), random.normals(rank * inFeatures, scale: 0.1),
                    random.uniform(-4...4))
        },
        run: { device, shape, inputs in
            let w = try inputs.w.upload(to: device, label: "W")
            try device.loraMerge(into: w, b: device.makeBuffer(inputs.b, label: "B"), a: device.makeBuffer(inputs.a, label: "A"),
                                 scale: inputs.scale, outFeatures: shape[0], inFeatures: shape[1], rank: shape[2])
            return try downloadOutputs(["W": w])
        },
        reference: { shape, inputs in ["W": mergeReference(shape, inputs.w, b: inputs.b, a: inputs.a, scale: inputs.scale)] })

    private static func mergeReference(_ shape: OpShape, _ w: OpArray, b: [Float], a: [Float], scale: Float) -> ReferenceOutput {
        let (outFeatures, inFeatures, rank) = (shape[0], shape[1], shape[2])
        // The 16-bit format's unit roundoff and the absolute error a subnormal result may carry.
        let (unit, subnormal): (Double, Double) = switch w {
        case .float16: (0x1p-11, 0x1p-25)
        case .bfloat16: (0x1p-8, 0)
        default: (0, 0)
        }
        var values: [Double] = [], bound: [Double] = []
        for o in 0..<outFeatures {
            for i in 0..<inFeatures {
                let terms = (0..<rank).map { Double(scale) * Double(b[o * rank + $0]) * Double(a[$0 * inFeatures + i]) }
                let original = w.value(o * inFeatures + i), exact = original + terms.reduce(0, +)
                let float32Error = 2 * Double(rank + 2) * u * (abs(original) + terms.reduce(0) { $0 + abs($1) })
                values.append(exact)
                bound.append(unit * abs(exact) + (1 + unit) * float32Error + subnormal)
            }
        }
        return ReferenceOutput(values, bound: bound)
    }
}
