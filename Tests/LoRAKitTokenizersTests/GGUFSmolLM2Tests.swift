import Foundation
import LoRAKitTokenizers
import Testing

/// SmolLM2's GGUF (`LORAKIT_SMOLLM2_GGUF`: SmolLM2-135M-Instruct.Q4_1.gguf, too large to commit)
/// against the committed SmolLM2 tokenizer.json's ids on the fixture corpus.
@Suite("SmolLM2 GGUF")
struct GGUFSmolLM2Tests {
    static let path = ProcessInfo.processInfo.environment["LORAKIT_SMOLLM2_GGUF"]

    /// Under CI=true it runs whether or not the path is set (ci/test fetches the file), so a missing
    /// file fails instead of skipping.
    @Test("the GGUF's ids are tokenizer.json's", .enabled(if: path != nil || ProcessInfo.processInfo.environment["CI"] == "true"))
    func sameIDs() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFixtures.vocabulary(URL(fileURLWithPath: Self.path ?? "")))
        #expect(tokenizer.config.chatTemplate != nil)
        var matched = 0
        let expected = try Fixtures.expected("smollm2")
        for item in expected {
            let ids = tokenizer.encode(item.text, addSpecialTokens: false)
            #expect(ids == item.ids, "\"\(shown(item.text))\"")
            if ids == item.ids { matched += 1 }
        }
        print("SmolLM2 GGUF: \(matched)/\(expected.count) corpus texts match tokenizer.json")
        let decoded = expected.filter { scalars(tokenizer.decode($0.ids)) == scalars($0.decoded) }.count
        let skipped = expected.filter { scalars(tokenizer.decode($0.ids_special, skipSpecialTokens: true)) == scalars($0.decoded_special_skip) }.count
        #expect(decoded == expected.count && skipped == expected.count, "decoding \(decoded), skipping \(skipped) of \(expected.count)")
    }
}
