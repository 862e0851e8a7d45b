import Foundation
import Testing
import LoRAKitGGUF

/// Truncated and byte-flipped versions of valid files must parse or throw a GGUFError:
/// never crash, hang or allocate by a corrupt count.
@Suite struct FuzzTests {
    /// SplitMix64: a small seeded generator, so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Parses `bytes`; if it parses, reads every tensor too. Returns whether it parsed.
    @discardableResult
    static func survive(_ bytes: Data) -> Bool {
        do {
            let file = try GGUFFile(data: bytes, name: "fuzz.gguf")
            for t in file.tensors where t.type.isDequantizable { _ = try t.dequantized() }
            return true
        } catch {
            return false  // typed throws: only GGUFError reaches here
        }
    }

    @Test(arguments: ["writer_ref.gguf", "metadata.gguf"])
    func everyTruncation(_ name: String) throws {
        let data = try Data(contentsOf: Fixtures.url(name))
        var parsed = 0
        for end in 0..<data.count where Self.survive(data.prefix(end)) { parsed += 1 }
        // Only cuts inside the final padding can still be valid.
        #expect(parsed <= 64)
        #expect(Self.survive(data))
    }

    @Test(arguments: ["writer_ref.gguf", "metadata.gguf", "quants.gguf"])
    func randomByteFlips(_ name: String) throws {
        let original = try Data(contentsOf: Fixtures.url(name))
        // Most of quants.gguf is tensor data; flip within its header, where parsing happens.
        let span = name == "quants.gguf" ? 4096 : original.count
        var rng = SplitMix64(state: 0x6767_7566 &+ UInt64(original.count))
        for _ in 0..<1500 {
            var bytes = [UInt8](original)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<span, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            Self.survive(Data(bytes))
        }
    }

    @Test func randomTruncationsOfARealVocab() throws {
        let data = try Data(contentsOf: Fixtures.url("ggml-vocab-llama-spm.gguf"))
        var rng = SplitMix64(state: 42)
        for _ in 0..<200 {
            #expect(!Self.survive(data.prefix(Int.random(in: 0..<(data.count - 64), using: &rng))))
        }
    }

    @Test func mismatchHelperSeesOneBit() {
        let a: [Float] = [1, 2, 3]
        var b = a
        b[1] = Float(bitPattern: b[1].bitPattern ^ 1)
        #expect(firstBitMismatch(a, a) == nil)
        #expect(firstBitMismatch(a, b)?.hasPrefix("index 1:") == true)
        #expect(firstBitMismatch([0], [-0.0]) != nil)
    }
}
