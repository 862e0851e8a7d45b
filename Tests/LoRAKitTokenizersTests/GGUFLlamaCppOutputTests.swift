import Foundation
import LoRAKitTokenizers
import Testing

/// Against llama.cpp itself: the ids, ids with BOS/EOS, and both decodings that llama.cpp
/// (0.3.36's vendored source, `vocab_dump.cpp`) gave for the fixture corpus and random strings
/// mixing special tokens, contractions, whitespace runs and many scripts
/// (Fixtures/gguf/make_llamacpp_cases.py). llama.cpp's results are committed for every
/// vocabulary (`llamacpp-NAME.json`); the vocabularies of llama.cpp's source tree come from the
/// llama-cpp-python sdist (`GGUFFixtures.referenceFolder`, fetched by ci/fetch-references).
@Suite("GGUF tokenizer against llama.cpp's output")
struct GGUFLlamaCppOutputTests {
    struct Case: Decodable {
        let text: String
        let ids: [Int32]
        let ids_special: [Int32]
        let decoded_hex: String
        let decoded_skip_hex: String
    }

    static func cases(_ url: URL) throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
    }

    /// llama.cpp's bytes, read as our decoder reads bytes (invalid UTF-8 as U+FFFD).
    static func text(hex: String) -> String {
        let digits = Array(hex.utf8)
        let bytes = stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...($0 + 1)], as: UTF8.self), radix: 16) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func compare(_ tokenizer: Tokenizer, _ cases: [Case], name: String) {
        var matched = (ids: 0, special: 0, decoded: 0, skipped: 0)
        for item in cases {
            let ids = tokenizer.encode(item.text, addSpecialTokens: false)
            let special = tokenizer.encode(item.text, addSpecialTokens: true)
            let decoded = tokenizer.decode(item.ids)
            let skipped = tokenizer.decode(item.ids_special, skipSpecialTokens: true)
            #expect(ids == item.ids, "\(name) ids \"\(shown(item.text))\"")
            #expect(special == item.ids_special, "\(name) ids with BOS/EOS \"\(shown(item.text))\"")
            #expect(scalars(decoded) == scalars(text(hex: item.decoded_hex)), "\(name) decoding \"\(shown(item.text))\"")
            #expect(scalars(skipped) == scalars(text(hex: item.decoded_skip_hex)), "\(name) decoding, skip \"\(shown(item.text))\"")
            matched.ids += ids == item.ids ? 1 : 0
            matched.special += special == item.ids_special ? 1 : 0
            matched.decoded += scalars(decoded) == scalars(text(hex: item.decoded_hex)) ? 1 : 0
            matched.skipped += scalars(skipped) == scalars(text(hex: item.decoded_skip_hex)) ? 1 : 0
        }
        print("\(name) vs llama.cpp: ids \(matched.ids), with BOS/EOS \(matched.special), decoding \(matched.decoded), "
              + "skipping specials \(matched.skipped) of \(cases.count)")
    }

    static func committedCases(_ name: String) throws -> [Case] {
        try cases(Fixtures.folder.appendingPathComponent("gguf").appendingPathComponent("llamacpp-\(name).json"))
    }

    @Test("committed vocabularies", arguments: GGUFFixtures.committed)
    func committed(name: String) throws {
        Self.compare(try GGUFFixtures.tokenizer(name), try Self.committedCases(name), name: name)
    }

    @Test("the tiny GGUF Llama's SmolLM2 tokenizer (LoRAKitTests' fixture)")
    func tinyLlama() throws {
        let model = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LoRAKitTests/Fixtures/gguf-model/tiny-llama.gguf")
        let url = Fixtures.folder.appendingPathComponent("gguf").appendingPathComponent("llamacpp-smollm.json")
        Self.compare(try Tokenizer(gguf: GGUFFixtures.vocabulary(model)), try Self.cases(url), name: "smollm")
    }

    @Test("the llama.cpp source tree's vocabularies", .enabled(if: GGUFFixtures.referenceRequired),
          arguments: GGUFFixtures.referenceOnly)
    func reference(name: String) throws {
        Self.compare(try GGUFFixtures.tokenizer(name), try Self.committedCases(name), name: name)
    }
}
