import Foundation
import LoRAKitTokenizers
import Testing

/// The tokenizer of GGUF metadata against llama.cpp's own cases. test-tokenizer-0 produced the
/// `.out` ids with `add_special` false (no BOS) and `parse_special` false, which the texts
/// (no special tokens in them) do not tell apart from ours (parse_special true).
@Suite("GGUF tokenizer")
struct GGUFTokenizerTests {
    @Test("llama.cpp's cases, committed vocabularies", arguments: GGUFFixtures.committed)
    func committed(name: String) throws {
        try expectCases(name)
    }

    @Test("llama.cpp's cases, vocabularies of the llama.cpp source tree", .enabled(if: GGUFFixtures.referenceRequired),
          arguments: GGUFFixtures.referenceOnly)
    func reference(name: String) throws {
        try expectCases(name)
    }

    private func expectCases(_ name: String) throws {
        let tokenizer = try GGUFFixtures.tokenizer(name)
        let cases = try GGUFFixtures.cases(name)
        #expect(cases.count >= 46)
        var matched = 0
        for (text, ids) in cases {
            let got = tokenizer.encode(text, addSpecialTokens: false)
            #expect(got == ids, "\(name) \"\(shown(text))\"")
            if got == ids { matched += 1 }
        }
        print("\(name): \(matched)/\(cases.count) llama.cpp cases match")
    }

    /// Byte-level BPE without clean-up, and SentencePiece (its first space taken off again),
    /// decode every case back to its text.
    @Test("decoding gives the text back", arguments: ["llama-spm", "qwen2"])
    func roundTrip(name: String) throws {
        let tokenizer = try GGUFFixtures.tokenizer(name)
        for (text, ids) in try GGUFFixtures.cases(name) {
            #expect(scalars(tokenizer.decode(ids)) == scalars(text), "\(name) \"\(shown(text))\"")
        }
    }

    @Test("special tokens, BOS and decoding as llama.cpp")
    func specials() throws {
        let llama2 = try GGUFFixtures.tokenizer("llama-spm")
        #expect(llama2.config.bosToken == "<s>")
        #expect(llama2.config.eosToken == "</s>")
        #expect(llama2.config.addBosToken == true)
        let hello = llama2.encode("Hello", addSpecialTokens: true)
        #expect(hello == [1, 15043])
        // A special token is cut out, and the text after it gets the space prefix again.
        #expect(llama2.encode("<s>Hello</s>", addSpecialTokens: false) == [1, 15043, 2])
        #expect(llama2.decode([1, 15043, 2]) == "<s> Hello</s>")
        // Without BOS, llama.cpp keeps the space of "▁Hello" (it strips it only from a first token).
        #expect(llama2.decode([1, 15043, 2], skipSpecialTokens: true) == " Hello")
        #expect(llama2.decode([15043], skipSpecialTokens: true) == "Hello")
        let qwen = try GGUFFixtures.tokenizer("qwen2")
        let chat = qwen.encode("<|im_start|>user\nHi<|im_end|>", addSpecialTokens: true)
        #expect(chat.first == qwen.id(of: "<|im_start|>"))
        #expect(chat.last == qwen.id(of: "<|im_end|>"))
        #expect(qwen.decode(chat) == "<|im_start|>user\nHi<|im_end|>")
        #expect(qwen.decode(chat, skipSpecialTokens: true) == "user\nHi")
        // gpt-2 cleans up spaces on decoding as llama.cpp does.
        let gpt2 = try GGUFFixtures.tokenizer("gpt-2")
        #expect(gpt2.decode(gpt2.encode("Hi , there 's a dog .", addSpecialTokens: false)) == "Hi, there's a dog.")
    }
}
