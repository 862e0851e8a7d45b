import Foundation
import LoRAKit
import LoRAKitJinja
import LoRAKitTokenizers
import Testing

/// Conversations train on their assistant turns only, checked with real tokenizers and chat
/// templates (the fixtures of the tokenizer and template tests): the tokens with a loss decode
/// to exactly each assistant message as the template renders it, with its end-of-turn token.
@Suite("Chat masks with real templates")
struct ChatMaskTests {
    static let tokenizers = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LoRAKitTokenizersTests/Fixtures")
    static let templates = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LoRAKitJinjaTests/Fixtures/templates")

    static func tokenizer(_ name: String, template: String) throws -> ModelTokenizer {
        let source = try String(contentsOf: templates.appendingPathComponent(template), encoding: .utf8)
        return try ModelTokenizer(tokenizer: Tokenizer(folder: tokenizers.appendingPathComponent(name)),
                                  template: ChatTemplate(source: source, name: template))
    }

    static let conversation: [ChatTurn] = [
        .init(role: "system", content: "You answer in one line."), .init(role: "user", content: "What is 2+2?"),
        .init(role: "assistant", content: "4, of course."), .init(role: "user", content: "And in words?\nPlease."),
        .init(role: "assistant", content: "Four — «quatre» en français. 🙂"),
    ]

    /// The trained tokens of each contiguous trained run, decoded.
    static func trainedRuns(_ example: TrainingExample, _ tokenizer: ModelTokenizer) -> [String] {
        var runs: [[Int32]] = [], current: [Int32] = []
        for (id, trained) in zip(example.ids, example.trained) {
            if trained { current.append(id) } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        return runs.map { tokenizer.decode($0) }
    }

    @Test("SmolLM2 (ChatML) and Llama 3.1: each assistant turn and its end-of-turn token, nothing else", arguments: [
        ("smollm2", "SmolLM2-135M-Instruct.jinja", "<|im_end|>\n"),
        ("llama3", "meta-llama-Llama-3.1-8B-Instruct.jinja", "<|eot_id|>"),
        ("qwen2", "Qwen-Qwen2.5-7B-Instruct.jinja", "<|im_end|>\n"),
    ])
    func assistantTurns(name: String, template: String, endOfTurn: String) throws {
        let tokenizer = try Self.tokenizer(name, template: template)
        let example = try ExampleEncoder(tokenizer: tokenizer).encode(.conversation(Self.conversation), file: "chat.jsonl", line: 1)
        #expect(example.ids == tokenizer.encode(try tokenizer.renderChat(Self.conversation, addGenerationPrompt: false), addSpecialTokens: false))
        #expect(Self.trainedRuns(example, tokenizer) == ["4, of course." + endOfTurn, "Four — «quatre» en français. 🙂" + endOfTurn])
        let all = try ExampleEncoder(tokenizer: tokenizer, mask: .all).encode(.conversation(Self.conversation), file: "chat.jsonl", line: 1)
        #expect(all.trained.allSatisfy { $0 } && all.ids == example.ids)
    }

    @Test("Qwen3 renders earlier turns differently in a longer conversation: the turns are still found")
    func qwen3() throws {
        let tokenizer = try Self.tokenizer("qwen2", template: "Qwen-Qwen3-0.6B.jinja")
        let example = try ExampleEncoder(tokenizer: tokenizer).encode(.conversation(Self.conversation), file: "chat.jsonl", line: 1)
        let runs = Self.trainedRuns(example, tokenizer)
        // The earlier turn as the whole conversation renders it (no reasoning block), the last
        // one with the empty reasoning block Qwen3 gives the turn after the last question.
        #expect(runs == ["4, of course.<|im_end|>\n", "<think>\n\n</think>\n\nFour — «quatre» en français. 🙂<|im_end|>\n"], "\(runs)")
    }

    @Test("a template's {% generation %} marks decide what is trained, as transformers' assistant mask")
    func generationMarks() throws {
        let source = """
            {%- for message in messages -%}
            {{- '<|im_start|>' + message['role'] + '\\n' -}}
            {%- if message['role'] == 'assistant' -%}{% generation %}{{- message['content'] -}}{% endgeneration %}{%- else -%}{{- message['content'] -}}{%- endif -%}
            {{- '<|im_end|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}
            """
        let tokenizer = try ModelTokenizer(tokenizer: Tokenizer(folder: Self.tokenizers.appendingPathComponent("smollm2")),
                                           template: ChatTemplate(source: source, name: "marked"))
        let example = try ExampleEncoder(tokenizer: tokenizer).encode(.conversation(Self.conversation), file: "chat.jsonl", line: 1)
        // The marks leave out the end-of-turn token, so it is not trained here.
        #expect(Self.trainedRuns(example, tokenizer) == ["4, of course.", "Four — «quatre» en français. 🙂"], "\(Self.trainedRuns(example, tokenizer))")
    }

    @Test("prompt-completion with a real tokenizer: BOS and the prompt untrained, the completion and EOS trained")
    func promptCompletion() throws {
        let tokenizer = try ModelTokenizer(tokenizer: Tokenizer(folder: Self.tokenizers.appendingPathComponent("llama2")), template: nil)
        let example = try ExampleEncoder(tokenizer: tokenizer).encode(.promptCompletion(prompt: "Q: 2+2?\nA:", completion: " 4"), file: "d", line: 1)
        #expect(example.ids.first == tokenizer.tokenizer.id(of: "<s>"))
        // tokenizers: the prompt is ids[0..<11], the completion "▁", "4", "</s>" (decoding as "4</s>").
        #expect(example.trained == [Bool](repeating: false, count: 11) + [true, true, true])
        #expect(Self.trainedRuns(example, tokenizer) == ["4</s>"])
        #expect { try tokenizer.renderChat([.init(role: "user", content: "x")], addGenerationPrompt: true) } throws: {
            "\($0)".contains("no chat template")
        }
    }
}
