import Foundation
import LoRAKit
import Testing

/// JSONL datasets: format detection, the bad-input table, loss masks as TRL sets them, and
/// packing equal to padding.
@Suite("Datasets")
struct DatasetTests {
    static func records(_ lines: [String]) throws -> [DatasetRecord] {
        try JSONLReader.records(Data(lines.joined(separator: "\n").utf8), path: "data.jsonl")
    }

    @Test("formats are detected per line; extra keys and blank lines are ignored")
    func formats() throws {
        #expect(try Self.records([#"{"text": "a", "id": 3}"#, "", #"{"text": "b"}"#]) == [.text("a"), .text("b")])
        #expect(try Self.records([#"{"prompt": "2+2=", "completion": "4"}"#]) == [.promptCompletion(prompt: "2+2=", completion: "4")])
        let chat = #"{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}"#
        #expect(try Self.records([chat]) == [.conversation([.init(role: "system", content: "be brief"), .init(role: "user", content: "hi"),
                                                             .init(role: "assistant", content: "hello")])])
        let conversational = #"{"prompt": [{"role": "user", "content": "q"}], "completion": [{"role": "assistant", "content": "a"}]}"#
        #expect(try Self.records([conversational]) == [.conversationalPromptCompletion(prompt: [.init(role: "user", content: "q")],
                                                                                       completion: [.init(role: "assistant", content: "a")])])
    }

    @Test("bad lines fail with the file, the line number and the reason", arguments: [
        ([#"{"text": "a"}"#, #"{"text": "b""#], "data.jsonl:2: not JSON"),
        ([#"{"text": "a"}"#, #"{"prompt": "p", "completion": "c"}"#], "data.jsonl:2: a prompt-completion line in a text dataset"),
        ([#"{"prompt": "p"}"#], "data.jsonl:1: \"prompt\" without \"completion\""),
        ([#"{"text": 5}"#], "data.jsonl:1: \"text\" must be a string, not a number"),
        ([#"["text"]"#], "data.jsonl:1: a line must be a JSON object, not a list"),
        ([#"{"input": "x"}"#], "data.jsonl:1: no \"text\", \"prompt\"/\"completion\" or \"messages\" field (keys: input)"),
        ([#"{"text": "a", "messages": []}"#], "data.jsonl:1: fields of several formats on one line: text, messages"),
        ([#"{"messages": []}"#], "data.jsonl:1: \"messages\" must be a non-empty list of messages"),
        ([#"{"messages": [{"role": "robot", "content": "x"}]}"#], "data.jsonl:1: messages[0] has role \"robot\""),
        ([#"{"messages": [{"role": "user"}]}"#], "data.jsonl:1: messages[0] (user) has no string \"content\""),
        (["", "  "], "data.jsonl: no examples"),
    ])
    func badLines(lines: [String], message: String) {
        #expect { try Self.records(lines) } throws: { "\($0)".hasPrefix(message) }
    }

    @Test("prompt-completion trains on the completion; text and --train-on all on everything")
    func promptCompletionMask() throws {
        let encoder = ExampleEncoder(tokenizer: ByteLevelTokenizer())
        let example = try encoder.encode(.promptCompletion(prompt: "2+2=", completion: "4!"), file: "d", line: 1)
        #expect(example.ids == Array("2+2=4!".utf8).map { Int32($0) })
        #expect(example.trained == [false, false, false, false, true, true])
        #expect(example.labels == [-100, -100, -100, 52, 33, -100])
        let all = try ExampleEncoder(tokenizer: ByteLevelTokenizer(), mask: .all).encode(.promptCompletion(prompt: "ab", completion: "c"), file: "d", line: 1)
        #expect(all.trained == [true, true, true] && all.labels == [98, 99, -100])
        #expect { try encoder.encode(.conversation([.init(role: "user", content: "x")]), file: "d.jsonl", line: 7) } throws: {
            "\($0)".hasPrefix("d.jsonl:7: a byte-level model has no chat template")
        }
    }

    /// A ChatML template written out in Swift, on bytes: enough to check where the assistant
    /// spans land (the real templates and tokenizers are checked in the tokenizer tests).
    struct ChatMLBytes: ExampleTokenizer {
        var eosToken: String? { "<|im_end|>" }
        var paddingID: Int32 { 0 }
        func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] { text.utf8.map { Int32($0) } }
        func renderChat(_ messages: [ChatTurn], addGenerationPrompt: Bool) -> String {
            messages.map { "<|im_start|>\($0.role)\n\($0.content)<|im_end|>\n" }.joined() + (addGenerationPrompt ? "<|im_start|>assistant\n" : "")
        }
    }

    @Test("conversations train on each assistant turn with its end-of-turn token, never the header")
    func conversationMask() throws {
        let messages: [ChatTurn] = [.init(role: "system", content: "S"), .init(role: "user", content: "U1"),
                                       .init(role: "assistant", content: "A1"), .init(role: "user", content: "U2"),
                                       .init(role: "assistant", content: "A2")]
        let example = try ExampleEncoder(tokenizer: ChatMLBytes()).encode(.conversation(messages), file: "d", line: 1)
        let text = String(decoding: example.ids.map { UInt8($0) }, as: UTF8.self)
        let trained = String(decoding: zip(example.ids, example.trained).filter(\.1).map { UInt8($0.0) }, as: UTF8.self)
        #expect(text == ChatMLBytes().renderChat(messages, addGenerationPrompt: false))
        #expect(trained == "A1<|im_end|>\nA2<|im_end|>\n", "trained: \(trained.debugDescription)")
    }

    @Test("best-fit decreasing packs every example once, none over capacity")
    func packing() throws {
        let lengths = [7, 3, 5, 2, 8, 1, 4, 4, 6]
        // Example i is made of the token i + 1, padding is 0: counting tokens finds every example.
        let examples = lengths.enumerated().map { TrainingExample(ids: [Int32](repeating: Int32($0 + 1), count: $1), trained: [Bool](repeating: true, count: $1)) }
        let data = try ExampleDataset(training: examples, heldOut: [], sequenceLength: 10, packing: true, paddingID: 0)
        #expect(data.trainingItems == 4, "40 tokens in sequences of 10 fit into 4")
        var counts = [Int](repeating: 0, count: lengths.count + 1)
        for item in 0..<data.trainingItems {
            let batch = try data.batch(of: [item])
            #expect(batch.length <= 10)
            for id in batch.ids { counts[Int(id)] += 1 }
        }
        #expect(Array(counts.dropFirst()) == lengths, "each example packed exactly once")
    }

    @Test("held-out examples: a seeded sample, at least one, never all")
    func split() throws {
        let examples = (1...20).map { TrainingExample(ids: [Int32($0)], trained: [true]) }
        let (training, heldOut) = try ExampleLoader.split(examples, heldOutFraction: 0.1, seed: 3)
        #expect(heldOut.count == 2 && training.count == 18)
        #expect(Set((training + heldOut).map(\.ids)) == Set(examples.map(\.ids)))
        #expect(try ExampleLoader.split(examples, heldOutFraction: 0.1, seed: 3).heldOut == heldOut)
        #expect(try ExampleLoader.split(Array(examples.prefix(2)), heldOutFraction: 0.01, seed: 1).heldOut.count == 1)
    }

    @Test("--packing gives the loss of the same examples unpacked", arguments: TestDevices.all)
    func packedLossEqualsUnpacked(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaTrainingTests.model(on: device, folder: folder)
        let ids = try LlamaTrainingTests.ids()
        let examples = [(0, 5), (5, 12), (12, 16), (16, 18), (2, 9)].map { range in
            TrainingExample(ids: Array(ids[range.0..<range.1]), trained: (range.0..<range.1).map { $0 % 3 != 0 })
        }
        func meanLoss(_ data: ExampleDataset) throws -> Double {
            var sum = 0.0, tokens = 0
            for item in 0..<data.trainingItems {
                let (loss, count) = try model.loss(data.batch(of: [item]))
                (sum, tokens) = (sum + loss * Double(count), tokens + count)
            }
            return sum / Double(tokens)
        }
        let packed = try meanLoss(ExampleDataset(training: examples, heldOut: [], sequenceLength: 12, packing: true, paddingID: 0))
        let unpacked = try meanLoss(ExampleDataset(training: examples, heldOut: [], sequenceLength: 12, packing: false, paddingID: 0))
        #expect(abs(packed - unpacked) <= 2e-5 * unpacked, "packed \(packed) vs unpacked \(unpacked)")
    }
}
