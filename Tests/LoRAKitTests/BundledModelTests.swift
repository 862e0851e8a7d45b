import Foundation
import LoRAKit
import Testing

/// The bundled base and texts, through the README's Swift example (shortened to a few steps):
/// they load, QLoRA training lowers the held-out loss, the adapter saves in PEFT's format, and
/// the base file is left as it was.
@Suite("Bundled model")
struct BundledModelTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the README's fine-tuning example: the bundled base over NF4 learns the Jargon text (host)")
    func readmeExample() throws {
        let base = Self.root.appendingPathComponent("Bundled/kjv-llama-3m")
        let text = Self.root.appendingPathComponent("Bundled/texts/jargon.txt")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-readme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let before = try Data(contentsOf: base.appendingPathComponent("model.safetensors"))

        // From here on, the README's example, shortened for a debug build: 5 steps of 2×128 bytes at a constant learning rate
        // instead of 60 of 4×256, on the text's first 20 000 bytes.
        let device = try TestDevices.host
        let checkpoint = try ModelCheckpoint(folder: base)
        let model = try LlamaModel(checkpoint: checkpoint, device: device,
                                   lora: LoRAConfig(rank: 16, alpha: 32, dropout: 0.05,
                                                    targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
                                   seed: 0, quantizeToNF4: true)
        let tokens = try TokenFile.load(text, vocabularySize: checkpoint.config.vocabularySize, byteLevel: checkpoint.isByteLevel)
        let data = try TokenWindows(tokens: Array(tokens.prefix(20_000)), length: 128, heldOutFraction: 0.1, source: text.path)
        var config = TrainingConfig()
        (config.learningRate, config.steps, config.batch, config.scheduler) = (3e-3, 5, 2, .constant)
        let trainer = try Trainer(model: model, data: data, config: config)
        let start = try #require(try trainer.evaluate())
        while trainer.step < config.steps { _ = try trainer.runStep() }
        let end = try #require(try trainer.evaluate())
        try trainer.adapter(baseModelNameOrPath: base.path).save(to: output)
        let generator = try TextGenerator(model: model)
        let sample = try generator.continuation(of: Array(":hacker: ".utf8).map(Int32.init), count: 20)

        #expect(end < start - 0.1, "held-out loss \(start) → \(end)")
        #expect(try PEFTAdapter.load(from: output).modules.count == 4 * 7)
        #expect(sample.count == 9 + 20)
        #expect(try Data(contentsOf: base.appendingPathComponent("model.safetensors")) == before, "the base is never written")
    }
}
