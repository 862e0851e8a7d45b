import Foundation
import Testing
@testable import LoRAKitGGUF

/// Our dequantization against gguf.quants.dequantize, bit for bit (fixtures/quants.gguf:
/// tensor "T" or "T.raw" and its reference "T.ref" / "T.raw.ref").
@Suite struct DequantizationTests {
    static let pairs = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K",
                        "Q4_0.raw", "Q4_1.raw", "Q5_0.raw", "Q5_1.raw", "Q8_0.raw",
                        "Q2_K.raw", "Q3_K.raw", "Q4_K.raw", "Q5_K.raw", "Q6_K.raw"]

    @Test(arguments: pairs)
    func matchesReference(_ name: String) throws {
        let file = try Fixtures.open("quants.gguf")
        let tensor = try file.tensor(named: name)
        let reference = try file.tensor(named: name + ".ref")
        #expect(reference.type == .f32)
        #expect(tensor.type.description == String(name.prefix { $0 != "." }))
        let ours = try tensor.dequantized()
        let expected = try reference.dequantized()
        let mismatch = firstBitMismatch(ours, expected)
        #expect(mismatch == nil, "\(name): \(mismatch ?? "")")
    }

    @Test func everyFixtureTensorIsCovered() throws {
        let file = try Fixtures.open("quants.gguf")
        let quantized = Set(file.tensors.map(\.name).filter { !$0.hasSuffix(".ref") })
        #expect(quantized == Set(Self.pairs))
    }

    /// Large inputs go through the parallel path; it must give the same bits as one thread.
    @Test func parallelEqualsSerial() throws {
        let file = try Fixtures.open("quants.gguf")
        for name in ["Q4_K.raw", "Q6_K", "Q8_0"] {
            let t = try file.tensor(named: name)
            // repeat the blocks to pass the parallel threshold
            let copies = BlockDequantizer.parallelThreshold / t.elementCount + 2
            var big = Data()
            for _ in 0..<copies { big.append(t.data) }
            let ours = try BlockDequantizer.dequantize(t.type, data: big, count: t.elementCount * copies)
            let once = try t.dequantized()
            let repeated = Array((0..<copies).map { _ in once }.joined())
            #expect(firstBitMismatch(ours, repeated) == nil, "\(name)")
        }
    }

    @Test func exhaustiveHalfConversion() throws {
        // F16 fixture holds all 65 536 bit patterns in order.
        let t = try Fixtures.open("quants.gguf").tensor(named: "F16")
        #expect(t.elementCount == 65536)
        let bits = t.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        #expect(bits == (0..<65536).map { UInt16($0) })
    }

    @Test func refusesBadArguments() throws {
        let bytes = [UInt8](repeating: 0, count: 34)
        try bytes.withUnsafeBytes { raw in
            #expect(throws: GGUFError.self) { try BlockDequantizer.dequantize(.q8_0, bytes: raw, count: 33) }
            #expect(throws: GGUFError.self) { try BlockDequantizer.dequantize(.q8_0, bytes: raw, count: 64) }
            #expect(throws: GGUFError.self) { try BlockDequantizer.dequantize(.iq2_xxs, bytes: raw, count: 256) }
            #expect(throws: GGUFError.self) { try BlockDequantizer.dequantize(.q8_0, bytes: raw, count: -32) }
            let values = try BlockDequantizer.dequantize(.q8_0, bytes: raw, count: 32)
            #expect(values == [Float](repeating: 0, count: 32))
            var small = [Float](repeating: 0, count: 16)
            _ = small.withUnsafeMutableBufferPointer { out in
                #expect(throws: GGUFError.self) { try BlockDequantizer.dequantize(.q8_0, bytes: raw, count: 32, into: out) }
            }
        }
    }
}
