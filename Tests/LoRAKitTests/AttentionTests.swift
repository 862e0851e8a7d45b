import Foundation
import LoRAKit
import Testing

/// Causal GQA attention against a double-precision reference, and its backward against central
/// differences of that reference (tolerance 2·10⁻⁵·(1 + |value|): values are O(1) and each comes
/// through a softmax and two length-T or length-d float32 sums).
@Suite("Causal grouped-query attention")
struct AttentionTests {
    let batch = 2, t = 7, heads = 4, kvHeads = 2, d = 6

    /// O for Q, K, V in the projection layouts (N×heads·d, N×kvHeads·d).
    func reference(q: [Double], k: [Double], v: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: batch * t * heads * d)
        let group = heads / kvHeads, scale = 1 / Double(d).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let g = h / group
                for i in 0..<t {
                    var scores = [Double](repeating: -.infinity, count: t)
                    for j in 0...i {
                        scores[j] = (0..<d).reduce(0) { $0 + q[((b * t + i) * heads + h) * d + $1] * k[((b * t + j) * kvHeads + g) * d + $1] } * scale
                    }
                    let largest = scores[0...i].max()!
                    let weights = (0...i).map { exp(scores[$0] - largest) }
                    let total = weights.reduce(0, +)
                    for c in 0..<d {
                        out[((b * t + i) * heads + h) * d + c] = (0...i).reduce(0) { $0 + weights[$1] / total * v[((b * t + $1) * kvHeads + g) * d + c] }
                    }
                }
            }
        }
        return out
    }

    /// The default path: fused on the host, composed on OpenCL devices.
    @Test("forward and backward", arguments: TestDevices.all)
    func attention(info: DeviceInfo) throws {
        try check(try CausalAttention(heads: heads, keyValueHeads: kvHeads, headDimension: d, sequenceLength: t), on: info)
    }

    /// Blocks of 2 query rows split T = 7 into [0, 2), [2, 4), [4, 7): scores against keys past
    /// a block's last row are skipped, and key blocks gather gradients from later rows only.
    @Test("forward and backward in causal blocks", arguments: TestDevices.all)
    func blockedAttention(info: DeviceInfo) throws {
        var attention = try CausalAttention(heads: heads, keyValueHeads: kvHeads, headDimension: d, sequenceLength: t)
        attention.queryBlockRows = 2
        attention.fused = false   // blocks belong to the composed path (the host would fuse)
        try check(attention, on: info)
    }

    /// Budgets of one key/value group's score matrices (2·7·7 floats: four chunks), three groups
    /// (one chunk per sequence) and all (P kept): the same output and gradients, bit for bit,
    /// whether P is kept or recomputed chunk by chunk, with and without packed positions; and
    /// the reference and finite-difference checks pass with the smallest budget.
    @Test("heads in chunks of a score budget: same output and gradients, P recomputed", arguments: TestDevices.all)
    func chunkedAttention(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var values = SeededValues(seed: 21)
        let inputs = try [batch * t * heads * d, batch * t * kvHeads * d, batch * t * kvHeads * d, batch * t * heads * d]
            .enumerated().map { try device.makeBuffer(values.floats($0.element), label: "input \($0.offset)") }
        let positions = try device.makeBuffer((0..<(batch * t)).map { Int32([0, 1, 2, 0, 1, 2, 3][$0 % t]) },
                                              label: "positions")
        let groupBytes = (heads / kvHeads) * t * t * 4
        for packed in [false, true] {
            var results: [[[Float]]] = []
            for budget in [1 << 30, 3 * groupBytes, groupBytes] {
                var attention = try CausalAttention(heads: heads, keyValueHeads: kvHeads, headDimension: d, sequenceLength: t)
                attention.scoreBudgetBytes = budget
                attention.fused = false   // budgets belong to the composed path
                let (output, saved) = try attention.forward(q: inputs[0], k: inputs[1], v: inputs[2], batch: batch,
                                                            positions: packed ? positions : nil)
                #expect((saved.probabilities != nil) == (budget == 1 << 30), "budget \(budget): P kept only when all fits")
                let (dq, dk, dv) = try attention.backward(outputGradient: inputs[3], saved: saved)
                results.append(try [output, dq, dk, dv].map { try $0.download(as: Float.self) })
            }
            #expect(results[1] == results[0] && results[2] == results[0], "packed \(packed): chunked differs from whole")
        }
        var smallest = try CausalAttention(heads: heads, keyValueHeads: kvHeads, headDimension: d, sequenceLength: t)
        smallest.scoreBudgetBytes = groupBytes
        smallest.fused = false
        try check(smallest, on: info)
    }

    func check(_ attention: CausalAttention, on info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var values = SeededValues(seed: 12)
        let q = values.floats(batch * t * heads * d).map { $0 * 2 }
        let k = values.floats(batch * t * kvHeads * d).map { $0 * 2 }
        let v = values.floats(batch * t * kvHeads * d)
        let g = values.floats(batch * t * heads * d)
        let (output, saved) = try attention.forward(q: device.makeBuffer(q, label: "Q"), k: device.makeBuffer(k, label: "K"),
                                                    v: device.makeBuffer(v, label: "V"), batch: batch)
        let expected = reference(q: q.map(Double.init), k: k.map(Double.init), v: v.map(Double.init))
        expectWithin(try output.download(), expected, bound: expected.map { 2e-5 * (1 + abs($0)) }, "O")

        let (dq, dk, dv) = try attention.backward(outputGradient: device.makeBuffer(g, label: "dO"), saved: saved)
        func loss(_ q: [Double], _ k: [Double], _ v: [Double]) -> Double {
            zip(reference(q: q, k: k, v: v), g).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        let h = 1e-6
        let (qd, kd, vd) = (q.map(Double.init), k.map(Double.init), v.map(Double.init))
        for (name, gradient, count) in [("dQ", try dq.download(as: Float.self), q.count), ("dK", try dk.download(as: Float.self), k.count),
                                        ("dV", try dv.download(as: Float.self), v.count)] {
            for index in stride(from: 0, to: count, by: 5) {
                func shifted(_ delta: Double) -> Double {
                    var (a, b, c) = (qd, kd, vd)
                    switch name {
                    case "dQ": a[index] += delta
                    case "dK": b[index] += delta
                    default: c[index] += delta
                    }
                    return loss(a, b, c)
                }
                let numeric = (shifted(h) - shifted(-h)) / (2 * h)
                #expect(abs(Double(gradient[index]) - numeric) <= 2e-5 * (1 + abs(numeric)), "\(name)[\(index)] \(gradient[index]) vs \(numeric)")
            }
        }
    }

    @Test("bad shapes")
    func badInput() throws {
        #expect(throws: ModelError.self) { try CausalAttention(heads: 6, keyValueHeads: 4, headDimension: 8, sequenceLength: 4) }
        let device = try TestDevices.host
        let attention = try CausalAttention(heads: 2, keyValueHeads: 1, headDimension: 4, sequenceLength: 3)
        let wrong = try device.makeBuffer(.float32, count: 5, label: "Q")
        #expect { try attention.forward(q: wrong, k: wrong, v: wrong, batch: 1) } throws: { "\($0)".contains("field 'Q'") }
    }
}
