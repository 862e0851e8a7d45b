import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit generate`: sample text from a byte-level model, with or without an adapter.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a byte-level model (vocabulary 256), optionally with a PEFT adapter.")

    @Option(help: "Checkpoint folder.") var model: String
    @Option(help: "PEFT adapter folder.") var adapter: String?
    @Option(help: "Quantize the base on load: nf4 (as a QLoRA adapter was trained).") var quantize: String?
    @Option(help: "Text to continue.") var prompt: String
    @Option(help: "Bytes to generate.") var maxTokens = 200
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Sample among the k most likely bytes (0: all).") var topK = 40
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @Option(help: "Device (default: LORAKIT_DEVICE, else the best).") var device: String?

    func run() throws {
        let peft = try adapter.map { try PEFTAdapter.load(from: URL(fileURLWithPath: $0)) }
        guard quantize == nil || quantize == "nf4" else { throw ValidationError("--quantize accepts only nf4") }
        let llama = try LlamaModel(checkpoint: ModelCheckpoint(folder: URL(fileURLWithPath: model)), device: Devices.open(device),
                                   lora: peft?.config, quantizeToNF4: quantize == "nf4")
        if let peft { try llama.load(peft, from: adapter!) }
        var generator = try TextGenerator(model: llama)
        (generator.temperature, generator.topK, generator.seed) = (temperature, topK, seed)
        let tokens = try generator.continuation(of: Array(prompt.utf8).map(Int32.init), count: maxTokens)
        print(String(decoding: tokens.map { UInt8($0) }, as: UTF8.self))
    }
}
