import Foundation
import Testing
import LoRAKitGGUF

/// Our quantization against gguf.quants.quantize, byte for byte (fixtures/quantize.gguf:
/// "T.src" F32 input, "T.q" gguf's output).
@Suite struct QuantizationTests {
    @Test(arguments: ["F16", "BF16", "Q8_0", "Q4_0"])
    func matchesReference(_ name: String) throws {
        let file = try Fixtures.open("quantize.gguf")
        let source = try file.tensor(named: name + ".src").dequantized()
        let reference = try file.tensor(named: name + ".q")
        let ours = try BlockQuantizer.quantize(reference.type, source)
        #expect(ours.count == reference.byteCount)
        let first = zip(ours, reference.data).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(first == nil, "\(name): first differing byte \(first ?? -1) of \(ours.count)")
    }

    @Test func roundTripsThroughDequantization() throws {
        let values = (0..<256).map { Float($0 % 17) - 8 }
        let q = try BlockQuantizer.quantize(.q8_0, values)
        let back = try BlockDequantizer.dequantize(.q8_0, data: q, count: values.count)
        for (a, b) in zip(values, back) { #expect(abs(a - b) <= 8 / 127 / 2 + 1e-6) }
        #expect(try BlockQuantizer.quantize(.f32, values) == values.withUnsafeBytes { Data($0) })
    }

    @Test func nonFiniteInputsDoNotTrap() throws {
        let values: [Float] = [.nan, .infinity, -.infinity] + [Float](repeating: 1, count: 29)
        for type in [GGMLType.q8_0, .q4_0, .f16, .bf16] { _ = try BlockQuantizer.quantize(type, values) }
    }

    @Test func refusesBadInput() {
        #expect(throws: GGUFError.self) { try BlockQuantizer.quantize(.q8_0, [1, 2, 3]) }
        #expect(throws: GGUFError.self) { try BlockQuantizer.quantize(.q4_K, [Float](repeating: 0, count: 256)) }
    }
}
