import Foundation
import LoRAKit
import Testing

/// The two ops of packed sequences against double-precision references: RoPE at per-token
/// positions (bound 2·10⁻⁶·(position + 1) relative, as plain RoPE) and the block-diagonal causal
/// softmax ((T + 16)·u relative), whose backward is the plain causal softmax backward (checked
/// by finite differences through the packed reference).
@Suite("Packed sequence ops")
struct PackedSequenceOpsTests {
    /// Two sequences of 11: examples of 4, 5 and 2 tokens, then 7 tokens and 4 of padding (a
    /// 4-token example of its own, as padding is packed).
    static let length = 11
    static let positions: [Int32] = [0, 1, 2, 3, 0, 1, 2, 3, 4, 0, 1] + [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3]

    @Test("RoPE at per-token positions", arguments: TestDevices.all)
    func ropeAtPositions(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (heads, d, rows) = (3, 8, Self.positions.count)
        var values = SeededValues(seed: 77)
        let x = values.floats(rows * heads * d)
        let frequencies = try device.makeBuffer(RotaryFrequencies.inverseFrequencies(theta: 10_000, headDimension: d), label: "frequencies")
        let bx = try device.makeBuffer(x, label: "x"), positions = try device.makeBuffer(Self.positions, label: "positions")
        try device.rope(bx, rows: rows, heads: heads, headDimension: d, positions: positions, inverseFrequencies: frequencies, inverse: false)
        let (expected, bound) = ReferenceRope.rotated(x, positions: Self.positions.map(Int.init), heads: heads, headDimension: d)
        expectWithin(try bx.download(), expected, bound: bound, "rope at positions")
        try device.rope(bx, rows: rows, heads: heads, headDimension: d, positions: positions, inverseFrequencies: frequencies, inverse: true)
        expectWithin(try bx.download(), x.map(Double.init), bound: x.map { 1e-5 * (abs(Double($0)) + 1) }, "inverse")
    }

    /// softmax over each row's own example: keys t − position ... t.
    static func packedSoftmax(_ s: [Double], groups: Int, scale: Double) -> [Double] {
        let t = length, headsPerSequence = groups / (positions.count / t)
        var p = [Double](repeating: 0, count: s.count)
        for row in 0..<(groups * t) {
            let query = row % t, sequence = row / t / headsPerSequence, base = row * t
            let keys = (query - Int(positions[sequence * t + query]))...query
            let largest = keys.map { scale * s[base + $0] }.max()!
            let sum = keys.reduce(0.0) { $0 + exp(scale * s[base + $1] - largest) }
            for j in keys { p[base + j] = exp(scale * s[base + j] - largest) / sum }
        }
        return p
    }

    @Test("block-diagonal causal softmax, and its backward by finite differences", arguments: TestDevices.all)
    func packedSoftmax(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (groups, t, scale) = (2 * 3, Self.length, Float(0.3))
        var values = SeededValues(seed: 78)
        let s = values.floats(groups * t * t).map { $0 * 8 }, g = values.floats(groups * t * t)
        let bs = try device.makeBuffer(s, label: "S"), bp = try device.makeBuffer(.float32, count: s.count, label: "P")
        try device.packedCausalSoftmax(bs, groups: groups, length: t, positions: device.makeBuffer(Self.positions, label: "positions"),
                                       scale: scale, into: bp)
        let expected = Self.packedSoftmax(s.map(Double.init), groups: groups, scale: Double(scale))
        let p: [Float] = try bp.download()
        expectWithin(p, expected, bound: expected.map { Double(t + 16) * float32Roundoff * $0 + 1e-30 }, "P")
        #expect(zip(p, expected).allSatisfy { $1 != 0 || $0 == 0 }, "P is exactly 0 outside each example's block")

        let dS = try device.makeBuffer(g, label: "dP → dS")
        try device.causalSoftmaxBackward(probabilities: bp, gradient: dS, groups: groups, length: t, scale: scale, into: dS)
        let analytic: [Float] = try dS.download()
        for index in stride(from: 0, to: s.count, by: 13) {
            func loss(_ delta: Double) -> Double {
                var shifted = s.map(Double.init)
                shifted[index] += delta
                return zip(Self.packedSoftmax(shifted, groups: groups, scale: Double(scale)), g).reduce(0) { $0 + $1.0 * Double($1.1) }
            }
            let numeric = (loss(1e-5) - loss(-1e-5)) / 2e-5
            #expect(abs(Double(analytic[index]) - numeric) <= 1e-4 * (1 + abs(numeric)), "dS[\(index)] \(analytic[index]) vs \(numeric)")
        }
    }

    @Test("bad input names the operand", arguments: TestDevices.all)
    func badInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let scores = try device.makeBuffer(.float32, count: 2 * 4 * 4, label: "S")
        let floatPositions = try device.makeBuffer(.float32, count: 4, label: "p")
        #expect { try device.packedCausalSoftmax(scores, groups: 2, length: 4, positions: floatPositions, scale: 1, into: scores) } throws: {
            "\($0)".contains("positions") && "\($0)".contains("int32")
        }
        let short = try device.makeBuffer([Int32](repeating: 0, count: 3), label: "p")
        #expect { try device.packedCausalSoftmax(scores, groups: 2, length: 4, positions: short, scale: 1, into: scores) } throws: {
            "\($0)".contains("positions 3 must be batch·4")
        }
        let x = try device.makeBuffer(.float32, count: 4 * 2 * 4, label: "x")
        let frequencies = try device.makeBuffer([Float](repeating: 1, count: 2), label: "f")
        #expect { try device.rope(x, rows: 4, heads: 2, headDimension: 4, positions: short, inverseFrequencies: frequencies, inverse: false) } throws: {
            "\($0)".contains("positions") && "\($0)".contains("3")
        }
    }
}
