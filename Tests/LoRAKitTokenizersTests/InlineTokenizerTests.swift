import Foundation
import LoRAKitTokenizers
import Testing

/// One small tokenizer.json written out in full, to show on a page what each field does. The
/// expected values are what the tokenizers package gives for the same file (checked by hand with
/// `Tokenizer.from_str(...)`; the larger generated cases are in ComponentTests).
@Suite("A tokenizer.json read end to end")
struct InlineTokenizerTests {
    static let json = #"""
        {
          "version": "1.0",
          "added_tokens": [
            {"id": 9, "content": "<mask>", "special": true, "lstrip": true, "rstrip": false, "single_word": false, "normalized": false},
            {"id": 10, "content": "<eos>", "special": true, "lstrip": false, "rstrip": true, "single_word": false, "normalized": false},
            {"id": 11, "content": "ok", "special": false, "lstrip": false, "rstrip": false, "single_word": true, "normalized": false}
          ],
          "normalizer": null,
          "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext", "invert": false},
          "post_processor": {"type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<eos>", "type_id": 0}}],
            "pair": [], "special_tokens": {"<eos>": {"id": "<eos>", "ids": [10], "tokens": ["<eos>"]}}},
          "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]},
          "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": false, "ignore_merges": false,
            "vocab": {"<unk>": 0, "a": 1, "b": 2, " ": 3, "ab": 4, " ab": 5, "o": 6, "k": 7, " a": 8},
            "merges": [["a", "b"], [" ", "a"], [" ", "ab"]]}
        }
        """#

    static let tokenizer = Result { try Tokenizer(json: Data(json.utf8), path: "inline/tokenizer.json") }

    /// (text, ids without special tokens, with them, decoded, decoded skipping special tokens)
    @Test("encode and decode", arguments: [
        ("ab ab", [4, 5], [4, 5, 10], "ab ab<eos>", "ab ab"),
        // "x" and "y" are unknown; fuse_unk makes one <unk> of the run.
        ("abxyab", [4, 0, 4], [4, 0, 4, 10], "ab<unk>ab<eos>", "ab<unk>ab"),
        // <mask> has lstrip: it swallows the spaces before it.
        ("ab   <mask> ab", [4, 9, 5], [4, 9, 5, 10], "ab<mask> ab<eos>", "ab ab"),
        // <eos> has rstrip: it swallows the spaces after it.
        ("ab<eos>   ab", [4, 10, 4], [4, 10, 4, 10], "ab<eos>ab<eos>", "abab"),
        // "ok" is single_word: not matched inside "okab", so that one is spelled out.
        ("ok okab ok", [11, 3, 6, 7, 4, 3, 11], [11, 3, 6, 7, 4, 3, 11, 10], "ok okab ok<eos>", "ok okab ok"),
        ("", [], [10], "<eos>", ""),
        // MergedWithNext puts the space in front of "b", and no merge joins " " with "b".
        ("a b", [1, 3, 2], [1, 3, 2, 10], "a b<eos>", "a b"),
    ] as [(String, [Int32], [Int32], String, String)])
    func roundTrip(text: String, plain: [Int32], special: [Int32], decoded: String, skipped: String) throws {
        let tokenizer = try Self.tokenizer.get()
        #expect(tokenizer.encode(text, addSpecialTokens: false) == plain)
        #expect(tokenizer.encode(text, addSpecialTokens: true) == special)
        #expect(tokenizer.decode(special) == decoded)
        #expect(tokenizer.decode(special, skipSpecialTokens: true) == skipped)
    }

    @Test("vocabulary and ids")
    func vocabulary() throws {
        let tokenizer = try Self.tokenizer.get()
        #expect(tokenizer.vocabularySize == 12)
        #expect(tokenizer.id(of: " ab") == 5)
        #expect(tokenizer.id(of: "<mask>") == 9)
        #expect(tokenizer.token(of: 11) == "ok")
    }
}
