import LoRAKitTokenizers
import Testing

/// Bad GGUF vocabularies are refused with the field named.
@Suite("GGUF vocabulary errors")
struct GGUFVocabularyErrorTests {
    private func small(model: String = "gpt2") -> GGUFVocabulary {
        var vocabulary = GGUFVocabulary(name: "bad.gguf", model: model, pre: "gpt-2", tokens: ["a", "b", "ab"],
                                        scores: [0, 0, 0], tokenTypes: [1, 1, 1], merges: ["a b"])
        vocabulary.bosTokenID = 0
        return vocabulary
    }

    private func expectError(_ vocabulary: GGUFVocabulary, field: String, saying text: String) {
        do {
            _ = try Tokenizer(gguf: vocabulary)
            Issue.record("accepted a vocabulary with a bad \(field)")
        } catch let error as TokenizerError {
            #expect(error.file == "bad.gguf")
            #expect(error.component == field, "\(error)")
            #expect(error.reason.contains(text), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a small vocabulary works")
    func works() throws {
        let tokenizer = try Tokenizer(gguf: small())
        #expect(tokenizer.encode("ab", addSpecialTokens: false) == [2])
        #expect(tokenizer.decode([2, 0]) == "aba")
    }

    @Test("each bad field is named")
    func errors() {
        expectError(small(model: "t5"), field: "tokenizer.ggml.model", saying: "\"t5\" is not supported")
        var vocabulary = small()
        vocabulary.pre = "no-such-pre"
        expectError(vocabulary, field: "tokenizer.ggml.pre", saying: "\"no-such-pre\" is not supported")
        vocabulary = small()
        vocabulary.scores = [0, 0]
        expectError(vocabulary, field: "tokenizer.ggml.scores", saying: "2 scores for 3 tokens")
        vocabulary = small()
        vocabulary.tokenTypes = [1]
        expectError(vocabulary, field: "tokenizer.ggml.token_type", saying: "1 token types for 3 tokens")
        vocabulary = small()
        vocabulary.merges = ["a c"]
        expectError(vocabulary, field: "tokenizer.ggml.merges[0]", saying: "names \"c\"")
        vocabulary.merges = ["ab"]
        expectError(vocabulary, field: "tokenizer.ggml.merges[0]", saying: "separated by a space")
        vocabulary = small()
        vocabulary.eosTokenID = 3
        expectError(vocabulary, field: "tokenizer.ggml.eos_token_id", saying: "out of range")
        vocabulary = small()
        vocabulary.tokens = []
        vocabulary.scores = nil
        vocabulary.tokenTypes = nil
        expectError(vocabulary, field: "tokenizer.ggml.tokens", saying: "empty")
    }
}
