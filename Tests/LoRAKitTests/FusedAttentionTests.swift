import Foundation
import LoRAKit
import Testing

/// The host's fused attention (Sources/CHostAttention) against the composed path on the same
/// device (GEMMs and the causal softmax, which AttentionTests checks against a double-precision
/// reference and central differences), on every instruction-set copy this CPU runs. The shapes
/// cross tile edges (T = 150 is tiles of 64, 64 and 22 rows), pad the head dimension (6 and 24
/// to 16 and 32) or fill it (32, 64), and share each key/value head 1, 2 or 4 ways; with and
/// without packed examples. Tolerance 2·10⁻⁵·(1 + |value|): the fused softmax sums in another
/// order (tile by tile, rescaled), the rest is the same float32 arithmetic.
@Suite("Fused attention on the host")
struct FusedAttentionTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let batch, length, heads, kvHeads, d: Int
        var testDescription: String { "\(batch)×\(length), \(heads) heads over \(kvHeads), d \(d)" }
    }

    static let shapes = [Shape(batch: 2, length: 150, heads: 4, kvHeads: 2, d: 24), Shape(batch: 1, length: 130, heads: 4, kvHeads: 1, d: 32),
                         Shape(batch: 2, length: 64, heads: 2, kvHeads: 2, d: 64), Shape(batch: 2, length: 7, heads: 4, kvHeads: 2, d: 6)]
    /// The copies this CPU can run (asking for one above its best gives its best).
    static let instructionSets = HostAttentionInstructionSet.allCases.filter { HostAttentionInstructionSet.inUse(cap: $0) == $0 }

    /// Positions restarting at 0 every 37 tokens, and once after a single token.
    func positions(_ shape: Shape) -> [Int32] {
        (0..<(shape.batch * shape.length)).map { index in
            let t = index % shape.length
            return t == 0 ? 0 : (t == 1 && index >= shape.length ? 0 : Int32(t % 37))
        }
    }

    @Test("equals the composed path: O, dQ, dK, dV", arguments: instructionSets, shapes)
    func equalsComposed(instructionSet: HostAttentionInstructionSet, shape: Shape) throws {
        let device = HostDevice(attentionInstructionSet: instructionSet)
        var values = SeededValues(seed: 31)
        let (n, qColumns, kvColumns) = (shape.batch * shape.length, shape.heads * shape.d, shape.kvHeads * shape.d)
        let inputs = try [n * qColumns, n * kvColumns, n * kvColumns, n * qColumns].enumerated().map {
            try device.makeBuffer(values.floats($0.element).map { $0 * 2 }, label: "input \($0.offset)")
        }
        let positions = try device.makeBuffer(positions(shape), label: "positions")
        for packed in [false, true] {
            var results: [[[Float]]] = []
            for fused in [true, false] {
                var attention = try CausalAttention(heads: shape.heads, keyValueHeads: shape.kvHeads, headDimension: shape.d,
                                                    sequenceLength: shape.length)
                attention.fused = fused
                let (output, saved) = try attention.forward(q: inputs[0], k: inputs[1], v: inputs[2], batch: shape.batch,
                                                            positions: packed ? positions : nil)
                #expect((saved.logSumExp != nil) == fused && (saved.probabilities == nil) == fused, "fused \(fused): what is kept")
                let (dq, dk, dv) = try attention.backward(outputGradient: inputs[3], saved: saved)
                results.append(try [output, dq, dk, dv].map { try $0.download(as: Float.self) })
            }
            for (index, name) in ["O", "dQ", "dK", "dV"].enumerated() {
                let expected = results[1][index].map(Double.init)
                expectWithin(results[0][index], expected, bound: expected.map { 2e-5 * (1 + abs($0)) }, "\(name), packed \(packed)")
            }
        }
    }

    /// `lorakit plan` decides from a DeviceInfo alone; it must name the devices that fuse.
    @Test("the memory plan's rule says fused exactly for the devices that fuse", arguments: TestDevices.all)
    func planRuleMatchesDevices(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        #expect(MemoryPlan.Settings.fusedAttention(on: info) == (device is FusedAttentionDevice), "\(info.testDescription)")
    }

    @Test("bad operands name the operation and the operand")
    func badOperands() throws {
        let device = HostDevice()
        let attention = AttentionShape(batch: 1, sequenceLength: 3, heads: 2, keyValueHeads: 1, headDimension: 4)
        let (q, kv) = (try device.makeBuffer(.float32, count: 24, label: "Q"), try device.makeBuffer(.float32, count: 12, label: "K"))
        let short = try device.makeBuffer(.float32, count: 5, label: "short")
        #expect { try device.fusedCausalAttention(attention, q: q, k: kv, v: short, positions: nil, output: q, logSumExp: short) }
            throws: { "\($0)".contains("fusedCausalAttention") && "\($0)".contains("V") }
        let badPositions = try device.makeBuffer(.float32, count: 3, label: "positions")
        let lse = try device.makeBuffer(.float32, count: 6, label: "lse")
        #expect { try device.fusedCausalAttention(attention, q: q, k: kv, v: kv, positions: badPositions, output: q, logSumExp: lse) }
            throws: { "\($0)".contains("positions") && "\($0)".contains("int32") }
        let uneven = AttentionShape(batch: 1, sequenceLength: 3, heads: 3, keyValueHeads: 2, headDimension: 4)
        let (q3, kv2) = (try device.makeBuffer(.float32, count: 36, label: "Q"), try device.makeBuffer(.float32, count: 24, label: "K"))
        #expect { try device.fusedCausalAttention(uneven, q: q3, k: kv2, v: kv2, positions: nil, output: q3, logSumExp: lse) }
            throws: { "\($0)".contains("multiple of key/value heads") }
    }
}
