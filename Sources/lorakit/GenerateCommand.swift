import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit generate`: sample text from a byte-level model, with or without an adapter.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a byte-level model (vocabulary 256), optionally with a PEFT adapter.")

    @OptionGroup var model: ModelOption
    @OptionGroup var adapter: AdapterOption
    @OptionGroup var quantization: QuantizeOption
    @Option(help: "Text to continue.") var prompt: String
    @Option(help: "Bytes to generate.") var maxTokens = 200
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Sample among the k most likely bytes (0: all).") var topK = 40
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @OptionGroup var device: DeviceOption

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature >= 0, topK >= 0 else { throw ValidationError("--temperature and --top-k must not be negative") }
    }

    func run() throws {
        let peft = try adapter.load()
        let llama = try LlamaModel(checkpoint: ModelCheckpoint(folder: model.url), device: device.open(),
                                   lora: peft?.config, quantizeToNF4: quantization.toNF4)
        if let peft, let source = adapter.adapter { try llama.load(peft, from: source) }
        var generator = try TextGenerator(model: llama)
        (generator.temperature, generator.topK, generator.seed) = (temperature, topK, seed)
        let tokens = try generator.continuation(of: Array(prompt.utf8).map(Int32.init), count: maxTokens)
        print(String(decoding: tokens.map { UInt8($0) }, as: UTF8.self))
    }
}
