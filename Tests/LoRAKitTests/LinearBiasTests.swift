import Foundation
import LoRAKit
import Testing

/// Linear layers with a bias (Qwen2's q/k/v projections) on every device: the forward writes the
/// bias rows (`broadcastRows`) and accumulates X·Wᵀ onto them; full-parameter training adds
/// Σ_rows dY to the bias gradient, at two row counts in turn (its column of ones is reused while
/// the count stays). Bounds: k + 2 roundings of the double-precision value (u relative to the
/// sum of magnitudes) for the forward, 24 (the 23 rows summed over three calls, + 1) for the bias
/// gradient.
@Suite("Linear layers with a bias")
struct LinearBiasTests {
    @Test("forward with a bias, and the bias gradient", arguments: TestDevices.all)
    func bias(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (inFeatures, outFeatures) = (19, 13)
        var values = SeededValues(seed: 77)
        let w = values.floats(outFeatures * inFeatures), bias = values.floats(outFeatures)
        let layer = try TrainableLinear(weight: device.makeBuffer(w, label: "W"), bias: device.makeBuffer(bias, label: "b"),
                                        inFeatures: inFeatures, outFeatures: outFeatures)
        var expectedGradient = [Double](repeating: 0, count: outFeatures), gradientMagnitude = expectedGradient
        for rows in [5, 9, 9] {
            let x = values.floats(rows * inFeatures), dY = values.floats(rows * outFeatures)
            let y: [Float] = try layer.forward(device.makeBuffer(x, label: "X"), rows: rows).download()
            var expected: [Double] = [], magnitude: [Double] = []
            for r in 0..<rows {
                for o in 0..<outFeatures {
                    let terms = (0..<inFeatures).map { Double(x[r * inFeatures + $0]) * Double(w[o * inFeatures + $0]) }
                    expected.append(terms.reduce(Double(bias[o]), +))
                    magnitude.append(terms.reduce(abs(Double(bias[o]))) { $0 + abs($1) })
                }
            }
            expectWithin(y, expected, bound: magnitude.map { Double(inFeatures + 2) * float32Roundoff * $0 }, "Y, \(rows) rows")
            let dX = try device.makeBuffer(.float32, count: rows * inFeatures, label: "dX")
            try layer.backward(outputGradient: device.makeBuffer(dY, label: "dY"), input: device.makeBuffer(x, label: "X"),
                               rows: rows, into: dX, update: .overwrite)
            for o in 0..<outFeatures {
                expectedGradient[o] += (0..<rows).reduce(0.0) { $0 + Double(dY[$1 * outFeatures + o]) }
                gradientMagnitude[o] += (0..<rows).reduce(0.0) { $0 + abs(Double(dY[$1 * outFeatures + o])) }
            }
            let gradient: [Float] = try #require(layer.biasGradient).download()
            expectWithin(gradient, expectedGradient, bound: gradientMagnitude.map { 24 * float32Roundoff * $0 }, "bias gradient after \(rows) rows")
        }
    }
}
