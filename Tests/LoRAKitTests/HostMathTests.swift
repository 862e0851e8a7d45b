import Foundation
@testable import LoRAKit
import Testing

/// The host backend's vector exponential and the row loops built on it, against double precision.
/// Bound: 2 ulp of the result over the range where e^x is a normal float (Cephes' polynomial with
/// a two-part ln 2 reduction; measured worst case 0.94 ulp on this grid), 0 below it, +∞ above.
@Suite("Host vector math")
struct HostMathTests {
    static func ulp(_ value: Double) -> Double { Double(Float(value).ulp) }

    @Test("exp within 2 ulp of the double-precision value over the normal range")
    func exponential() {
        var worst = 0.0
        var x: Float = -87.33
        while x <= 88.72 {
            let inputs = HostMath.Vector((0..<16).map { x + Float($0) * 0.000_731 })
            let got = HostMath.exp(inputs)
            for lane in 0..<16 where inputs[lane] <= 88.72 {
                let exact = Foundation.exp(Double(inputs[lane]))
                worst = max(worst, abs(Double(got[lane]) - exact) / Self.ulp(exact))
            }
            x += 0.0117
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(HostMath.exp(Float(0)) == 1)
    }

    @Test("exp at the edges: underflow to 0, overflow to +∞, NaN stays NaN")
    func edges() {
        #expect(HostMath.exp(Float(-87.4)) == 0)
        #expect(HostMath.exp(-Float.infinity) == 0)
        #expect(HostMath.exp(Float(89)) == .infinity)
        #expect(HostMath.exp(Float.infinity) == .infinity)
        #expect(HostMath.exp(Float.nan).isNaN)
    }

    @Test("maximum, Σe^(s·x − m) and dot on odd lengths match plain loops")
    func rowLoops() {
        var values = SeededValues(seed: 5)
        for count in [1, 15, 16, 17, 100, 1001] {
            let x = values.floats(count).map { $0 * 10 }, y = values.floats(count)
            x.withUnsafeBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    #expect(HostMath.maximum(px.baseAddress!, count: count) == x.max()!)
                    let largest = Double(x.max()!)
                    let exact = x.reduce(0.0) { $0 + Foundation.exp(0.5 * Double($1) - 0.5 * largest) }
                    var stored = [Float](repeating: 0, count: count)
                    let sum = stored.withUnsafeMutableBufferPointer {
                        HostMath.sumOfExponentials(px.baseAddress!, count: count, scale: 0.5, shift: Float(0.5 * largest), store: $0.baseAddress!)
                    }
                    #expect(abs(Double(sum) - exact) <= 1e-6 * exact, "count \(count): \(sum) vs \(exact)")
                    #expect(abs(Double(stored.reduce(0, +)) - exact) <= 1e-6 * exact)
                    let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    let magnitude = zip(x, y).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
                    #expect(abs(Double(HostMath.dot(px.baseAddress!, py.baseAddress!, count: count)) - dot) <= 1e-6 * magnitude)
                }
            }
        }
        var nan: [Float] = [1, 2, .nan, 3]
        #expect(nan.withUnsafeMutableBufferPointer { HostMath.maximum($0.baseAddress!, count: 4) }.isNaN)
        nan = [Float](repeating: 1, count: 40) + [.nan]
        #expect(nan.withUnsafeMutableBufferPointer { HostMath.maximum($0.baseAddress!, count: 41) }.isNaN)
        nan = [Float](repeating: 1, count: 20)
        nan[3] = .nan
        #expect(nan.withUnsafeMutableBufferPointer { HostMath.maximum($0.baseAddress!, count: 20) }.isNaN)
    }
}
