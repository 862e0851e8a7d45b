import Foundation
import Testing
@testable import LoRAKitTokenizers

/// Small hand-made components and tokenizers (Fixtures/components.json, written by
/// make_component_cases.py with what the tokenizers package does on each input).
@Suite("Components match the tokenizers package")
struct ComponentTests {
    struct Case<Input: Decodable, Output: Decodable>: Decodable {
        let input: Input
        let output: Output
    }

    /// A component as raw JSON plus its cases.
    struct Component<Input: Decodable, Output: Decodable> {
        let json: Any
        let cases: [Case<Input, Output>]
    }

    static func components<Input, Output>(_ key: String) throws -> [Component<Input, Output>] {
        let url = Fixtures.folder.appendingPathComponent("components.json")
        let data = try Data(contentsOf: url)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(root[key] as? [[String: Any]])
        return try list.map { entry in
            let cases = try JSONSerialization.data(withJSONObject: entry["cases"] ?? [])
            return Component(json: entry["json"] ?? [:], cases: try JSONDecoder().decode([Case<Input, Output>].self, from: cases))
        }
    }

    static func describe(_ json: Any) -> String {
        (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "\(json)"
    }

    @Test("pre-tokenizers: every Split behavior and invert, Metaspace schemes, ByteLevel, Digits, ...")
    func preTokenizers() throws {
        let components: [Component<String, [String]>] = try Self.components("pre_tokenizers")
        #expect(components.count == 48)
        for component in components {
            let preTokenizer = try PreTokenizer.parse(JSONFields(component.json, file: "components.json", component: "pre_tokenizer"))
            for item in component.cases {
                // tokenizers drops an empty input before any pre-tokenizer sees it.
                let start = item.input.isEmpty ? [] : [PreToken(scalars: Array(item.input.unicodeScalars), atOrigin: true)]
                let pieces = preTokenizer.preTokenize(start).map(\.string)
                #expect(pieces.map(scalars) == item.output.map(scalars), "\(Self.describe(component.json)) on \"\(shown(item.input))\"")
            }
        }
    }

    @Test("normalizers")
    func normalizers() throws {
        let components: [Component<String, String>] = try Self.components("normalizers")
        for component in components {
            let normalizer = try Normalizer.parse(JSONFields(component.json, file: "components.json", component: "normalizer"))
            for item in component.cases {
                #expect(scalars(normalizer.normalize(item.input)) == scalars(item.output),
                        "\(Self.describe(component.json)) on \"\(shown(item.input))\"")
            }
        }
    }

    @Test("decoders")
    func decoders() throws {
        let components: [Component<[String], String>] = try Self.components("decoders")
        for component in components {
            let decoder = try Decoder.parse(JSONFields(component.json, file: "components.json", component: "decoder"))
            for item in component.cases {
                #expect(scalars(decoder.decode(item.input).joined()) == scalars(item.output), "\(Self.describe(component.json)) on \(item.input)")
            }
        }
    }

    struct TokenizerCase: Decodable {
        let input: String
        let ids: [Int32]
        let ids_special: [Int32]
        let decoded: String
        let decoded_skip: String
    }

    @Test("small tokenizers: unknown tokens, byte fallback, merge ranks, ignore_merges, added tokens, templates")
    func tokenizers() throws {
        let url = Fixtures.folder.appendingPathComponent("components.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let list = try #require(root["tokenizers"] as? [[String: Any]])
        #expect(list.count == 10)
        for entry in list {
            let name = entry["name"] as? String ?? "?"
            let json = try JSONSerialization.data(withJSONObject: entry["json"] ?? [:])
            let tokenizer = try Tokenizer(json: json, path: name)
            let cases = try JSONDecoder().decode([TokenizerCase].self,
                                                 from: JSONSerialization.data(withJSONObject: entry["cases"] ?? []))
            for item in cases {
                let text = shown(item.input)
                #expect(tokenizer.encode(item.input, addSpecialTokens: false) == item.ids, "\(name): \"\(text)\"")
                #expect(tokenizer.encode(item.input, addSpecialTokens: true) == item.ids_special, "\(name): \"\(text)\" with special")
                #expect(scalars(tokenizer.decode(item.ids_special)) == scalars(item.decoded), "\(name): decode \"\(text)\"")
                #expect(scalars(tokenizer.decode(item.ids_special, skipSpecialTokens: true)) == scalars(item.decoded_skip),
                        "\(name): decode \"\(text)\" skipping special")
            }
        }
    }
}
