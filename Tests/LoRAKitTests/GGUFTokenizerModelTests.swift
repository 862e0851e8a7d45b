import Foundation
import LoRAKit
import LoRAKitGGUF
import LoRAKitTokenizers
import Testing

/// A GGUF model's own tokenizer: the tiny GGUF Llama fixture carries SmolLM2's tokenizer and chat
/// template as convert_hf_to_gguf.py wrote them; it must give what SmolLM2's tokenizer.json does.
@Suite("GGUF model tokenizers")
struct GGUFTokenizerModelTests {
    static let model = Fixtures.url("gguf-model/tiny-llama.gguf")

    @Test("a .gguf model has a tokenizer; a GGUF without tokenizer metadata has none")
    func exists() {
        #expect(ModelTokenizer.exists(in: Self.model))
        #expect(!ModelTokenizer.exists(in: Fixtures.url("gguf-model/adapter-reference.gguf")))
    }

    @Test("the metadata read into a GGUFVocabulary")
    func vocabulary() throws {
        let vocabulary = try GGUFVocabulary(file: GGUFFile(contentsOf: Self.model))
        #expect(vocabulary.model == "gpt2" && vocabulary.pre == "smollm")
        #expect(vocabulary.tokens.count == 49152 && vocabulary.tokenTypes?.count == 49152 && !vocabulary.merges.isEmpty)
        #expect(vocabulary.bosTokenID == 1 && vocabulary.addBosToken == false && vocabulary.chatTemplate != nil)
    }

    @Test("chat rendering, ids and the trained turns equal SmolLM2's tokenizer.json")
    func sameAsTokenizerJSON() throws {
        let gguf = try ModelTokenizer(folder: Self.model)
        let json = try ChatMaskTests.tokenizer("smollm2", template: "SmolLM2-135M-Instruct.jinja")
        let rendered = try gguf.renderChat(ChatMaskTests.conversation, addGenerationPrompt: true)
        #expect(rendered == (try json.renderChat(ChatMaskTests.conversation, addGenerationPrompt: true)))
        #expect(gguf.encode(rendered, addSpecialTokens: false) == json.encode(rendered, addSpecialTokens: false))
        let example = try ExampleEncoder(tokenizer: gguf).encode(.conversation(ChatMaskTests.conversation), file: "chat.jsonl", line: 1)
        let expected = try ExampleEncoder(tokenizer: json).encode(.conversation(ChatMaskTests.conversation), file: "chat.jsonl", line: 1)
        #expect(example.ids == expected.ids && example.trained == expected.trained)
        #expect(gguf.stopTokens == json.stopTokens && gguf.paddingID == json.paddingID)
        #expect(gguf.decode(example.ids) == json.decode(example.ids))
    }
}
