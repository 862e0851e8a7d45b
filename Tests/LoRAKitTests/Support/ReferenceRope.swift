import Foundation

/// Llama's rotary embedding in double precision (split-half pairs, θ = 10 000), with the per-element
/// bound the RoPE tests use: 2·10⁻⁶·(position + 1)·(|a| + |b|), since the angle is computed in float32.
enum ReferenceRope {
    static func rotated(_ x: [Float], positions: [Int], heads: Int, headDimension d: Int) -> (values: [Double], bound: [Double]) {
        var expected = [Double](repeating: 0, count: x.count), bound = expected
        for (row, p) in positions.enumerated() {
            let position = Double(p)
            for h in 0..<heads {
                let base = (row * heads + h) * d
                for i in 0..<(d / 2) {
                    let angle = position * pow(10_000, -Double(2 * i) / Double(d))
                    let (a, b) = (Double(x[base + i]), Double(x[base + i + d / 2]))
                    expected[base + i] = a * cos(angle) - b * sin(angle)
                    expected[base + i + d / 2] = b * cos(angle) + a * sin(angle)
                    bound[base + i] = 2e-6 * (position + 1) * (abs(a) + abs(b))
                    bound[base + i + d / 2] = bound[base + i]
                }
            }
        }
        return (expected, bound)
    }
}
