import Foundation
import LoRAKit

/// AdamW against PyTorch's formulas in double (with the step's float32 betas). Bounds: the
/// moments are a few roundings of positive-weight sums (4·u and 5·u of their terms); the
/// parameter's update adds the moments' errors and about 16·u of the quotient m/(√v/√bc2 + ε).
extension OpHarness {
    static let adamW = OpHarnessEntry(
        .adamW, shapes: [OpShape(7, 13), OpShape(33, 65, variant: "clipped, weight decay"), OpShape(64, 128, variant: "weight decay")],
        tolerances: ["p": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1)),
                     "m": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1)),
                     "v": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random -> (p: [Float], g: [Float], m: [Float], v: [Float], step: AdamWStep) in
            let n = shape.elementCount
            let step = AdamWStep(learningRate: random.uniform(1e-4...2e-3), weightDecay: shape.variant.contains("weight decay") ? 0.01 : 0,
                                 step: random.integer(1..<1000), gradientScale: shape.variant.hasPrefix("clipped") ? 0.37 : 1)
            return (random.normals(n, scale: 0.05), random.normals(n, scale: 0.01), random.normals(n, scale: 0.001),
                    random.normals(n, scale: 0.001).map { $0 * $0 }, step)
        },
        run: { device, _, i in
            let p = try device.makeBuffer(i.p, label: "p"), m = try device.makeBuffer(i.m, label: "m"), v = try device.makeBuffer(i.v, label: "v")
            try device.adamW(parameters: p, gradients: device.makeBuffer(i.g, label: "g"), firstMoment: m, secondMoment: v, step: i.step)
            return try downloadOutputs(["p": p, "m": m, "v": v])
        },
        reference: { _, i in adamWReference(p: i.p, g: i.g, m: i.m, v: i.v, step: i.step) })

    private static func adamWReference(p: [Float], g: [Float], m: [Float], v: [Float], step: AdamWStep) -> [String: ReferenceOutput] {
        let (b1, b2, lr, eps, wd) = (Double(step.beta1), Double(step.beta2), Double(step.learningRate), Double(step.epsilon), Double(step.weightDecay))
        let bc1 = 1 - pow(b1, Double(step.step)), sbc2 = (1 - pow(b2, Double(step.step))).squareRoot()
        var out = (p: [Double](), pb: [Double](), m: [Double](), mb: [Double](), v: [Double](), vb: [Double]())
        for i in p.indices {
            let gs = Double(g[i]) * Double(step.gradientScale)
            let (mTerms, vTerms) = ((b1 * Double(m[i]), (1 - b1) * gs), (b2 * Double(v[i]), (1 - b2) * gs * gs))
            let (mi, vi) = (mTerms.0 + mTerms.1, vTerms.0 + vTerms.1)
            let mBound = 4 * u * (abs(mTerms.0) + abs(mTerms.1)), vBound = 5 * u * (vTerms.0 + vTerms.1)
            let decayed = Double(p[i]) * (1 - lr * wd), denominator = vi.squareRoot() / sbc2 + eps
            let update = lr / bc1 * mi / denominator
            out.p.append(decayed - update)
            out.pb.append(3 * u * abs(decayed) + lr / bc1 * (mBound + 16 * u * abs(mi)) / denominator + 2 * u * abs(decayed - update))
            out.m.append(mi)
            out.mb.append(mBound)
            out.v.append(vi)
            out.vb.append(vBound)
        }
        return ["p": ReferenceOutput(out.p, bound: out.pb), "m": ReferenceOutput(out.m, bound: out.mb),
                "v": ReferenceOutput(out.v, bound: out.vb)]
    }
}
