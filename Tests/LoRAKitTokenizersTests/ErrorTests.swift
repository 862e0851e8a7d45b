import Foundation
import LoRAKitTokenizers
import Testing

/// Bad or unsupported files are refused with an error naming the file, the component and why.
@Suite("Errors name the file and the component")
struct ErrorTests {
    /// A valid minimal tokenizer.json with `edit` applied to its top-level object.
    static func json(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        var root: [String: Any] = [
            "version": "1.0", "added_tokens": [], "normalizer": NSNull(), "pre_tokenizer": NSNull(),
            "post_processor": NSNull(), "decoder": NSNull(),
            "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2], "merges": [["a", "b"]]] as [String: Any],
        ]
        edit(&root)
        return try JSONSerialization.data(withJSONObject: root)
    }

    static func message(_ data: Data) -> String? {
        do {
            _ = try Tokenizer(json: data, path: "bad/tokenizer.json")
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func model(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        try json { root in
            var model = root["model"] as! [String: Any]
            edit(&model)
            root["model"] = model
        }
    }

    @Test("a minimal file loads")
    func minimal() throws {
        let tokenizer = try Tokenizer(json: Self.json(), path: "ok.json")
        #expect(tokenizer.encode("abba", addSpecialTokens: true) == [2, 1, 0])
    }

    @Test("not JSON")
    func notJSON() {
        let text = Self.message(Data("{\"model\": ".utf8))
        #expect(text?.hasPrefix("bad/tokenizer.json: (file): not valid JSON") == true, "\(text ?? "no error")")
    }

    @Test("not an object")
    func notObject() {
        #expect(Self.message(Data("[1, 2]".utf8)) == "bad/tokenizer.json: (top level): expected a JSON object")
    }

    @Test("missing model")
    func missingModel() throws {
        #expect(Self.message(try Self.json { $0["model"] = nil })
            == "bad/tokenizer.json: model: missing; a tokenizer.json needs a model")
    }

    @Test("WordPiece and Unigram models are refused", arguments: ["WordPiece", "Unigram", "WordLevel"])
    func otherModels(type: String) throws {
        #expect(Self.message(try Self.model { $0["type"] = type })
            == "bad/tokenizer.json: model: model type \"\(type)\" is not supported (only BPE)")
    }

    @Test("unknown normalizer type")
    func unknownNormalizer() throws {
        let data = try Self.json {
            $0["normalizer"] = ["type": "Sequence", "normalizers": [["type": "NFC"], ["type": "Precompiled"]]]
        }
        #expect(Self.message(data) == "bad/tokenizer.json: normalizer.normalizers[1]: normalizer type \"Precompiled\" "
            + "is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence)")
    }

    @Test("unknown pre-tokenizer, decoder and post-processor types")
    func unknownOthers() throws {
        let pre = Self.message(try Self.json { $0["pre_tokenizer"] = ["type": "BertPreTokenizer"] })
        #expect(pre?.hasPrefix("bad/tokenizer.json: pre_tokenizer: pre-tokenizer type \"BertPreTokenizer\" is not supported") == true)
        let decoder = Self.message(try Self.json { $0["decoder"] = ["type": "WordPiece", "prefix": "##"] })
        #expect(decoder?.hasPrefix("bad/tokenizer.json: decoder: decoder type \"WordPiece\" is not supported") == true)
        let post = Self.message(try Self.json { $0["post_processor"] = ["type": "Foo"] })
        #expect(post?.hasPrefix("bad/tokenizer.json: post_processor: post-processor type \"Foo\" is not supported") == true)
    }

    @Test("a merge naming an unknown token")
    func unknownMergeToken() throws {
        #expect(Self.message(try Self.model { $0["merges"] = ["a b", "a zz"] })
            == "bad/tokenizer.json: model.merges[1]: merge [\"a\", \"zz\"] names \"zz\", which is not in the vocabulary")
    }

    @Test("a malformed merge")
    func malformedMerge() throws {
        #expect(Self.message(try Self.model { $0["merges"] = ["a b c"] })
            == "bad/tokenizer.json: model.merges[0]: expected \"a b\" or [\"a\", \"b\"], got a b c")
    }

    @Test("two added tokens with one id")
    func addedTokenClash() throws {
        let data = try Self.json {
            $0["added_tokens"] = [["id": 3, "content": "<x>", "special": true], ["id": 3, "content": "<y>", "special": true]]
        }
        #expect(Self.message(data)
            == "bad/tokenizer.json: added_tokens[1]: id 3 of \"<y>\" is already used by added token \"<x>\"")
    }

    @Test("an added token whose id is another vocabulary token's")
    func addedTokenVocabularyClash() throws {
        let data = try Self.json { $0["added_tokens"] = [["id": 0, "content": "<x>", "special": true]] }
        #expect(Self.message(data) == "bad/tokenizer.json: added_tokens[0]: id 0 of \"<x>\" is the vocabulary's \"a\"")
    }

    @Test("subword prefixes and dropout are refused")
    func unsupportedModelFields() throws {
        #expect(Self.message(try Self.model { $0["continuing_subword_prefix"] = "##" })
            == "bad/tokenizer.json: model.continuing_subword_prefix: \"##\" is not supported (only null or empty)")
        #expect(Self.message(try Self.model { $0["dropout"] = 0.1 })
            == "bad/tokenizer.json: model.dropout: BPE dropout 0.1 is not supported (it makes encoding random)")
        // Empty strings are what converters write for "none", and are accepted.
        #expect(Self.message(try Self.model { $0["continuing_subword_prefix"] = ""; $0["end_of_word_suffix"] = "" }) == nil)
    }

    @Test("unknown unk_token")
    func unknownUnk() throws {
        #expect(Self.message(try Self.model { $0["unk_token"] = "<unk>" })
            == "bad/tokenizer.json: model.unk_token: \"<unk>\" is not in the vocabulary")
    }

    @Test("a regex the engine does not handle like Oniguruma")
    func unsupportedRegex() throws {
        let data = try Self.json {
            $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": #"\bword\b"#], "behavior": "Isolated", "invert": false]
        }
        #expect(Self.message(data) == #"bad/tokenizer.json: pre_tokenizer.pattern: regex "\bword\b" uses \b (word boundary), "#
            + "which this engine does not handle like Oniguruma")
        let anchored = try Self.json {
            $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": "^ab|[^c]"], "behavior": "Isolated", "invert": false]
        }
        #expect(Self.message(anchored) == #"bad/tokenizer.json: pre_tokenizer.pattern: regex "^ab|[^c]" uses ^ (Oniguruma: after any "#
            + "line break; Swift Regex has no lookbehind), which this engine does not handle like Oniguruma")
        let lookbehind = try Self.json {
            $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": "(?<=a)b"], "behavior": "Isolated", "invert": false]
        }
        #expect(Self.message(lookbehind)?.hasPrefix(#"bad/tokenizer.json: pre_tokenizer.pattern: regex "(?<=a)b" is not supported: "#) == true)
        let broken = try Self.json {
            $0["pre_tokenizer"] = ["type": "Split", "pattern": ["Regex": "(unclosed"], "behavior": "Isolated", "invert": false]
        }
        #expect(Self.message(broken)?.hasPrefix(#"bad/tokenizer.json: pre_tokenizer.pattern: regex "(unclosed" is not supported"#) == true)
    }

    @Test("an unknown split behavior")
    func badBehavior() throws {
        let data = try Self.json {
            $0["pre_tokenizer"] = ["type": "Split", "pattern": ["String": " "], "behavior": "Sideways", "invert": false]
        }
        #expect(Self.message(data) == "bad/tokenizer.json: pre_tokenizer.behavior: unknown split behavior \"Sideways\" "
            + "(expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)")
    }

    @Test("a field of the wrong type")
    func wrongType() throws {
        #expect(Self.message(try Self.model { $0["byte_fallback"] = "yes" })
            == "bad/tokenizer.json: model.byte_fallback: expected true or false")
    }

    @Test("a folder without tokenizer.json")
    func missingFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-tokenizer-\(UUID().uuidString)")
        #expect {
            try Tokenizer(folder: folder)
        } throws: { error in
            "\(error)".hasPrefix(folder.appendingPathComponent("tokenizer.json").path + ": (file): cannot read")
        }
    }
}
