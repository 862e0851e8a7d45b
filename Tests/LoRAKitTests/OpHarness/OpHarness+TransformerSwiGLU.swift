import Foundation
import LoRAKit

extension OpHarness {
    static func silu(_ g: Double) -> Double { g / (1 + exp(-g)) }
    static func sigmoid(_ g: Double) -> Double { 1 / (1 + exp(-g)) }

    /// out = silu(gate)·up, also into either input. Gates span [−8, 8], past where σ saturates.
    static let swiglu = OpHarnessEntry(
        .swiglu, shapes: [OpShape(7, 13), OpShape(33, 65, variant: "into gate"), OpShape(64, 128, variant: "into up")],
        tolerances: ["out": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in (gate: random.floats(shape.elementCount, in: -8...8), up: random.floats(shape.elementCount)) },
        run: { device, shape, inputs in
            let gate = try device.makeBuffer(inputs.gate, label: "gate"), up = try device.makeBuffer(inputs.up, label: "up")
            let out = switch shape.variant {
            case "into gate": gate
            case "into up": up
            default: try device.makeBuffer(.float32, count: inputs.gate.count, label: "out")
            }
            try device.swiglu(gate: gate, up: up, into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { _, inputs in
            let out = zip(inputs.gate, inputs.up).map { silu(Double($0)) * Double($1) }
            return ["out": ReferenceOutput(out, bound: out.map { 16 * u * abs($0) })]
        })

    /// dgate = d·up·σ·(1 + g·(1 − σ)), dup = d·silu(g). dgate's factor cancels near g ≈ −1.28 and
    /// 1 − σ loses its digits where σ ≈ 1, so its bound is 16·u·|d·up·σ|·(1 + |g|), not relative.
    static let swigluBackward = OpHarnessEntry(
        .swigluBackward, shapes: [OpShape(7, 13), OpShape(33, 65), OpShape(64, 128)],
        tolerances: ["gateGradient": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1)),
                     "upGradient": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            let n = shape.elementCount
            return (dOut: random.floats(n), gate: random.floats(n, in: -8...8), up: random.floats(n))
        },
        run: { device, _, inputs in
            let n = inputs.gate.count
            let dg = try device.makeBuffer(.float32, count: n, label: "dgate"), du = try device.makeBuffer(.float32, count: n, label: "dup")
            try device.swigluBackward(device.makeBuffer(inputs.dOut, label: "dOut"), gate: device.makeBuffer(inputs.gate, label: "gate"),
                                      up: device.makeBuffer(inputs.up, label: "up"), gateGradient: dg, upGradient: du)
            return try downloadOutputs(["gateGradient": dg, "upGradient": du])
        },
        reference: { _, inputs in
            let indices = inputs.gate.indices
            let (d, g, up) = (inputs.dOut.map(Double.init), inputs.gate.map(Double.init), inputs.up.map(Double.init))
            let dg = indices.map { d[$0] * up[$0] * sigmoid(g[$0]) * (1 + g[$0] * (1 - sigmoid(g[$0]))) }
            let dgBound = indices.map { 16 * u * abs(d[$0] * up[$0] * sigmoid(g[$0])) * (1 + abs(g[$0])) }
            let du = indices.map { d[$0] * silu(g[$0]) }
            return ["gateGradient": ReferenceOutput(dg, bound: dgBound),
                    "upGradient": ReferenceOutput(du, bound: du.map { 16 * u * abs($0) })]
        })
}
