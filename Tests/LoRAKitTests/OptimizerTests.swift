import Foundation
import LoRAKit
import Testing

/// AdamW against torch.optim.AdamW (`Fixtures/make_adamw_fixture.py`): five steps on 1000
/// parameters with gradients from 10⁻⁴ to 10¹. Tolerance 2·10⁻⁶·(1 + |p|): each step adds one
/// update of at most lr (Adam's step is bounded), computed with a few float32 roundings.
@Suite("Optimizer")
struct OptimizerTests {
    @Test("AdamW matches PyTorch over five steps", arguments: TestDevices.all)
    func adamWMatchesPyTorch(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("adamw/adamw.safetensors"))
        let gradients = try file.floats("gradients")
        let n = 1000
        let p = try device.makeBuffer(try file.floats("initial"), label: "p")
        let m = try device.makeBuffer(.float32, count: n, label: "m"), v = try device.makeBuffer(.float32, count: n, label: "v")
        for step in 1...5 {
            let g = try device.makeBuffer(Array(gradients[((step - 1) * n)..<(step * n)]), label: "g")
            try device.adamW(parameters: p, gradients: g, firstMoment: m, secondMoment: v,
                             step: AdamWStep(learningRate: 1e-2, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1, step: step))
            let expected = try file.floats("after_\(step)").map(Double.init)
            expectWithin(try p.download(), expected, bound: expected.map { 2e-6 * (1 + abs($0)) }, "step \(step)")
        }
    }

    @Test("gradient scale, and bad hyper-parameters", arguments: TestDevices.all)
    func scaleAndBadInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        // With the gradient scaled by 0.5 the first step equals a step on half the gradient.
        let g: [Float] = [0.2, -4, 1e-3, 0]
        var results: [[Float]] = []
        for (gradient, scale) in [(g, Float(0.5)), (g.map { $0 * 0.5 }, Float(1))] {
            let p = try device.makeBuffer([1, 2, 3, 4] as [Float], label: "p")
            try device.adamW(parameters: p, gradients: device.makeBuffer(gradient, label: "g"),
                             firstMoment: device.makeBuffer(.float32, count: 4, label: "m"), secondMoment: device.makeBuffer(.float32, count: 4, label: "v"),
                             step: AdamWStep(learningRate: 0.1, step: 1, gradientScale: scale))
            results.append(try p.download())
        }
        #expect(results[0] == results[1])
        let p = try device.makeBuffer(.float32, count: 4, label: "p")
        #expect { try device.adamW(parameters: p, gradients: p, firstMoment: p, secondMoment: p, step: AdamWStep(learningRate: 0.1, step: 0)) } throws: {
            "\($0)".contains("step 0 must be at least 1")
        }
        #expect { try device.adamW(parameters: p, gradients: p, firstMoment: p, secondMoment: p, step: AdamWStep(learningRate: 0.1, beta1: 1, step: 1)) } throws: {
            "\($0)".contains("betas (1.0, 0.999) must be in [0, 1)")
        }
        #expect { try device.adamW(parameters: p, gradients: device.makeBuffer(.float32, count: 3, label: "g"), firstMoment: p, secondMoment: p,
                                   step: AdamWStep(learningRate: 0.1, step: 1)) } throws: { "\($0)".contains("gradients has 3 elements") }
    }

    /// The host runs eight lanes at a time and a scalar tail; both must round as the scalar formula
    /// (PyTorch's, in its order, no fused multiply-add) does, element for element.
    @Test("the host's vector lanes and tail give the scalar formula's bits")
    func hostLanesMatchScalarFormula() throws {
        let device = try TestDevices.host
        let n = 8 * 5 + 3
        var values = SeededValues(seed: 11)
        let (p0, g, m0) = (values.floats(n).map { 3 * $0 }, values.floats(n).map { 0.5 * $0 }, values.floats(n).map { 0.1 * $0 })
        let v0 = values.floats(n).map { 0.01 * $0 * $0 }
        let step = AdamWStep(learningRate: 3e-3, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1, step: 3, gradientScale: 0.7)
        let (p, m, v) = try (device.makeBuffer(p0, label: "p"), device.makeBuffer(m0, label: "m"), device.makeBuffer(v0, label: "v"))
        try device.adamW(parameters: p, gradients: device.makeBuffer(g, label: "g"), firstMoment: m, secondMoment: v, step: step)
        let (lr, b1, b2, eps, wd, scale): (Float, Float, Float, Float, Float, Float) = (3e-3, 0.9, 0.95, 1e-8, 0.1, 0.7)
        let bc1 = Float(1 - pow(Double(b1), 3)), sbc2 = Float((1 - pow(Double(b2), 3)).squareRoot())
        let (ps, ms, vs) = try (p.download(as: Float.self), m.download(as: Float.self), v.download(as: Float.self))
        for i in 0..<n {
            let gi = g[i] * scale
            let mi = b1 * m0[i] + (1 - b1) * gi
            let vi = b2 * v0[i] + (1 - b2) * gi * gi
            var pi = p0[i] * (1 - lr * wd)
            pi -= (lr / bc1) * mi / (vi.squareRoot() / sbc2 + eps)
            #expect(ms[i].bitPattern == mi.bitPattern && vs[i].bitPattern == vi.bitPattern && ps[i].bitPattern == pi.bitPattern,
                    "element \(i): p \(ps[i]) vs \(pi), m \(ms[i]) vs \(mi), v \(vs[i]) vs \(vi)")
        }
    }
}
