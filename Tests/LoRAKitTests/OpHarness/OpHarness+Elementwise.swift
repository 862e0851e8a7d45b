import Foundation
import LoRAKit

/// The elementwise updates. Each result is one or two roundings of exact products and sums, so
/// the references bound them by a few units of roundoff of the terms' magnitudes; copies and
/// fills must be bit-exact.
extension OpHarness {
    static let elementwiseShapes = [OpShape(7, 13), OpShape(33, 65), OpShape(64, 128)]

    /// `y += α·x`: a product and a sum, each rounded once (or one fused rounding): 2u·(|αx| + |y|).
    static let axpy = OpHarnessEntry(
        .axpy, shapes: elementwiseShapes,
        tolerances: ["y": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (alpha: random.uniform(-2...2), x: random.floats(shape.elementCount), y: random.floats(shape.elementCount))
        },
        run: { device, _, inputs in
            let y = try device.makeBuffer(inputs.y, label: "y")
            try device.axpy(alpha: inputs.alpha, x: device.makeBuffer(inputs.x, label: "x"), y: y)
            return try downloadOutputs(["y": y])
        },
        reference: { _, inputs in
            let terms = zip(inputs.x, inputs.y).map { (Double(inputs.alpha) * Double($0), Double($1)) }
            return ["y": ReferenceOutput(terms.map { $0 + $1 }, bound: terms.map { 2 * (1 + u) * u * (abs($0) + abs($1)) })]
        })

    /// `x *= α`: one rounding of the exact product, u·|αx|.
    static let scale = OpHarnessEntry(
        .scale, shapes: elementwiseShapes,
        tolerances: ["x": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in (alpha: random.uniform(-3...3), x: random.floats(shape.elementCount, in: -10...10)) },
        run: { device, _, inputs in
            let x = try device.makeBuffer(inputs.x, label: "x")
            try device.scale(x, by: inputs.alpha)
            return try downloadOutputs(["x": x])
        },
        reference: { _, inputs in
            let products = inputs.x.map { Double(inputs.alpha) * Double($0) }
            return ["x": ReferenceOutput(products, bound: products.map { u * abs($0) })]
        })

    /// Sets every element, NaN and ±∞ included (why `fill` exists): a store, so bit-exact.
    static let fill = OpHarnessEntry(
        .fill, shapes: elementwiseShapes,
        tolerances: ["x": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> (value: Float, x: [Float]) in
            var x = random.floats(shape.elementCount)
            (x[0], x[x.count / 2], x[x.count - 1]) = (.nan, .infinity, -.infinity)
            return (random.uniform(-4...4), x)
        },
        run: { device, _, inputs in
            let x = try device.makeBuffer(inputs.x, label: "x")
            try device.fill(x, with: inputs.value)
            return try downloadOutputs(["x": x])
        },
        reference: { _, inputs in ["x": ReferenceOutput([Double](repeating: Double(inputs.value), count: inputs.x.count))] })

    /// rows × n copies of one row (a bias); out starts as NaN so that a missed element shows. Bit-exact.
    static let broadcastRows = OpHarnessEntry(
        .broadcastRows, shapes: elementwiseShapes,
        tolerances: ["out": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random in random.floats(shape[1]) },
        run: { device, shape, row in
            let out = try device.makeBuffer([Float](repeating: .nan, count: shape.elementCount), label: "out")
            try device.broadcastRows(device.makeBuffer(row, label: "row"), rows: shape[0], into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { shape, row in
            ["out": ReferenceOutput((0..<shape.elementCount).map { Double(row[$0 % shape[1]]) })]
        })

    /// `out = a + b`, also in place (out = a): one rounding of the exact sum, u·|a + b|.
    static let add = OpHarnessEntry(
        .add, shapes: [OpShape(7, 13), OpShape(33, 65, variant: "in place"), OpShape(64, 128)],
        tolerances: ["out": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random in (a: random.floats(shape.elementCount), b: random.floats(shape.elementCount)) },
        run: { device, shape, inputs in
            let a = try device.makeBuffer(inputs.a, label: "a"), b = try device.makeBuffer(inputs.b, label: "b")
            let out = shape.variant == "in place" ? a : try device.makeBuffer(.float32, count: inputs.a.count, label: "out")
            try device.add(a, b, into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { _, inputs in
            let sums = zip(inputs.a, inputs.b).map { Double($0) + Double($1) }
            return ["out": ReferenceOutput(sums, bound: sums.map { u * abs($0) })]
        })
}
