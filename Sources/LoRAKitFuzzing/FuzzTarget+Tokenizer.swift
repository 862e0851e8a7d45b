import Foundation
import LoRAKitTokenizers

extension FuzzTarget {
    /// A tokenizer.json, then encoding and decoding fixed texts with it.
    static let tokenizer = FuzzTarget(name: "tokenizer", summary: "a Hugging Face tokenizer.json, then encode and decode") { data in
        let tokenizer = try Tokenizer(json: data, path: "fuzz/tokenizer.json")
        FuzzText.roundTrip(tokenizer)
    }
}

/// Texts that reach the corners of a tokenizer: spaces and newlines, digits, contractions,
/// accents (NFC/NFD), CJK, an emoji outside the BMP, a control character, an invalid-looking
/// byte sequence's replacement, and special-token lookalikes.
enum FuzzText {
    static let samples = [
        "Hello world, it's 2026!  \n\n\tTabs and   spaces",
        "caf\u{E9} cafe\u{301} \u{65E5}\u{672C}\u{8A9E} \u{1F600} \u{0}x \u{FFFD}",
        "<|im_start|>user\n<s>[INST] 12345678 don't</s>",
        "",
    ]

    /// Encodes each sample with and without special tokens, decodes the ids back, and looks up each id.
    static func roundTrip(_ tokenizer: Tokenizer) {
        for text in samples {
            for special in [false, true] {
                let ids = tokenizer.encode(text, addSpecialTokens: special)
                _ = tokenizer.decode(ids)
                _ = tokenizer.decode(ids, skipSpecialTokens: true)
                for id in ids.prefix(64) { _ = tokenizer.token(of: id) }
            }
        }
    }
}
