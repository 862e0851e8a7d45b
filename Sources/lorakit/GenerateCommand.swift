import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit generate`: sample text from a model, with or without an adapter.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a model, optionally with a PEFT adapter; --chat talks through its chat template.",
        discussion: """
            A model folder with tokenizer.json (or a .gguf file with its tokenizer, ids as llama.cpp's) encodes \
            --prompt with its tokenizer (special tokens added, as transformers does), or renders --chat (and --system) with its chat template and the generation prompt; \
            generation stops at EOS or the end-of-turn token and the text streams as it is decoded. A byte-level model \
            (vocabulary 256, no tokenizer) continues --prompt byte by byte.
            """)

    @OptionGroup var model: ModelOption
    @OptionGroup var adapter: AdapterOption
    @OptionGroup var quantization: QuantizeOption
    @Option(help: "Text to continue.") var prompt: String?
    @Option(help: "A user message, answered through the chat template.") var chat: String?
    @Option(help: "With --chat: a system message before it.") var system: String?
    @Option(help: "Tokens to generate at most.") var maxTokens = 200
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Sample among the k most likely tokens (0: all).") var topK = 40
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @OptionGroup var device: DeviceOption

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature >= 0, topK >= 0 else { throw ValidationError("--temperature and --top-k must not be negative") }
        guard (prompt == nil) != (chat == nil) else { throw ValidationError("give one of --prompt and --chat") }
        guard system == nil || chat != nil else { throw ValidationError("--system needs --chat") }
    }

    func run() throws {
        let checkpoint = try ModelCheckpoint(folder: model.url)
        let peft = try adapter.load()
        let llama = try LlamaModel(checkpoint: checkpoint, device: device.open(), lora: peft?.config, quantizeToNF4: quantization.toNF4)
        if let peft, let source = adapter.adapter { try llama.load(peft, from: source) }
        var generator = try TextGenerator(model: llama)
        (generator.temperature, generator.topK, generator.seed) = (temperature, topK, seed)
        guard let tokenizer = try ModelTokenizer.of(checkpoint) else {
            guard let prompt, checkpoint.isByteLevel else {
                throw ValidationError("\(model.model) has no tokenizer (tokenizer.json or GGUF tokenizer metadata): --chat needs one, and without one the model must be byte-level")
            }
            let tokens = try generator.continuation(of: Array(prompt.utf8).map(Int32.init), count: maxTokens)
            print(String(decoding: tokens.map { UInt8($0) }, as: UTF8.self))
            return
        }
        generator.stopTokens = tokenizer.stopTokens
        let ids: [Int32]
        if let chat {
            let turns = (system.map { [ChatTurn(role: "system", content: $0)] } ?? []) + [ChatTurn(role: "user", content: chat)]
            ids = tokenizer.encode(try tokenizer.renderChat(turns, addGenerationPrompt: true), addSpecialTokens: false)
        } else {
            ids = tokenizer.encode(prompt!, addSpecialTokens: true)
        }
        if let prompt { FileHandle.standardOutput.write(Data(prompt.utf8)) }
        var stream = DecodedStream(tokenizer: tokenizer)
        _ = try generator.continuation(of: ids, count: maxTokens) { token in
            FileHandle.standardOutput.write(Data(stream.append(token).utf8))
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

/// Decoded text of a growing token list, a piece at a time: what decoding all tokens adds to
/// what was printed, held back while it ends in an incomplete character (U+FFFD from a token
/// that splits a UTF-8 sequence), special tokens left out.
struct DecodedStream {
    let tokenizer: ModelTokenizer
    var tokens: [Int32] = []
    var printed = 0

    init(tokenizer: ModelTokenizer) { self.tokenizer = tokenizer }

    mutating func append(_ token: Int32) -> String {
        tokens.append(token)
        let text = Array(tokenizer.decode(tokens, skipSpecialTokens: true).unicodeScalars)
        guard text.last != "\u{FFFD}", text.count > printed else { return "" }
        defer { printed = text.count }
        var piece = String.UnicodeScalarView()
        piece.append(contentsOf: text[printed...])
        return String(piece)
    }
}
