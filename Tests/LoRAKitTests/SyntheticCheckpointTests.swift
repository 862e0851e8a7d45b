import Foundation
import LoRAKit
import Testing

/// A synthetic QLoRA base (`SyntheticCheckpoint`, what `lorakit-bench memory` measures 8B shapes
/// with) is the model a file of the same tensors loads: written out in bitsandbytes' NF4 layout
/// with BF16 embedding and head, the file gives the same logits, loss and LoRA gradients bit for
/// bit. Its tensors are NF4 (decoder matrices) and BF16 (embedding, head) on the device, and the
/// same seed draws the same bytes.
@Suite("synthetic QLoRA base")
struct SyntheticCheckpointTests {
    static func config(tied: Bool = false) throws -> ModelConfig {
        let json: [String: Any] = [
            "model_type": "llama", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
            "tie_word_embeddings": tied]
        return try ModelConfig.parse(JSONSerialization.data(withJSONObject: json), file: "synthetic-test/config.json")
    }

    /// The synthetic tensors written as a checkpoint folder: NF4 through BitsAndBytesCheckpoint, the rest as stored.
    static func written(_ synthetic: SyntheticCheckpoint, tied: Bool) throws -> URL {
        let source = ModelCheckpoint(synthetic: synthetic)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for name in source.tensorNames {
            if source.isQuantized(name) {
                for tensor in try BitsAndBytesCheckpoint.tensors(for: source.nf4(name), name: name) { try writer.add(tensor) }
            } else {
                let stored = try source.stored(name)
                try writer.add(.init(name: name, dtype: stored.dtype, shape: stored.shape, bytes: stored.bytes))
            }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-synthetic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        let config: [String: Any] = [
            "model_type": "llama", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
            "tie_word_embeddings": tied, "dtype": "bfloat16",
            "quantization_config": ["quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "nf4",
                                    "bnb_4bit_use_double_quant": true]]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    @Test("trains exactly as the same tensors read from a bitsandbytes checkpoint file (untied and tied head)",
          arguments: TestDevices.all, [false, true])
    func sameAsFile(info: DeviceInfo, tied: Bool) throws {
        let device = try TestDevices.open(info)
        let synthetic = SyntheticCheckpoint(config: try Self.config(tied: tied), seed: 3)
        let folder = try Self.written(synthetic, tied: tied)
        defer { try? FileManager.default.removeItem(at: folder) }
        let lora = LoRAConfig(rank: 4, alpha: 8, targetModules: ModelConfig.linearModules)
        let made = try LlamaModel(checkpoint: ModelCheckpoint(synthetic: synthetic), device: device, lora: lora, seed: 5)
        let read = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, lora: lora, seed: 5)
        #expect(made.frozenBytes == read.frozenBytes)
        #expect(made.frozenBytes["bfloat16"] == 2 * 256 * 64 * (tied ? 1 : 2) && made.frozenBytes["NF4"] != nil)
        for model in [made, read] {
            var values = SeededValues(seed: 9)   // B ≠ 0, so the adapters' gradients reach A and X
            for (_, layer) in model.loraLayers { try layer.loraB.upload(values.floats(layer.loraB.count)) }
        }
        try BFloat16CheckpointTests.expectSameStep(made, read, tied ? "tied" : "untied")
    }

    @Test("the same seed draws the same tensors; another seed, others")
    func seeded() throws {
        let config = try Self.config()
        let (a, b, c) = (ModelCheckpoint(synthetic: SyntheticCheckpoint(config: config, seed: 3)),
                         ModelCheckpoint(synthetic: SyntheticCheckpoint(config: config, seed: 3)),
                         ModelCheckpoint(synthetic: SyntheticCheckpoint(config: config, seed: 4)))
        let name = "model.layers.1.mlp.down_proj.weight"
        #expect(try a.nf4(name) == b.nf4(name) && a.nf4(name) != c.nf4(name))
        #expect(try a.stored("model.embed_tokens.weight").bytes == b.stored("model.embed_tokens.weight").bytes)
        #expect(try a.nf4(name) != a.nf4("model.layers.0.mlp.down_proj.weight"))
        #expect(try a.floats("model.norm.weight") == [Float](repeating: 1, count: 64))
    }
}

extension SyntheticCheckpointTests {
    @Test("its memory plan equals the peak of a training step on it (host)")
    func planMatchesPeak() throws {
        let checkpoint = ModelCheckpoint(synthetic: SyntheticCheckpoint(config: try Self.config(), seed: 3))
        let lora = LoRAConfig(rank: 8, alpha: 16, dropout: 0.05, targetModules: ModelConfig.linearModules)
        let plan = try MemoryPlan(checkpoint: checkpoint, settings: .init(sequenceLength: 64, batch: 2, training: .lora(lora),
                                                                                   fusedAttention: true))
        let device = try Devices.openSeparately(TestDevices.host.info, kernels: .fromEnvironment(), environment: [:])
        let model = try LlamaModel(checkpoint: checkpoint, device: device, lora: lora, seed: 1)
        let windows = try TokenWindows(tokens: (0..<1024).map { Int32($0 * 7 % 256) }, length: 64, heldOutFraction: 0, source: "synthetic")
        var config = TrainingConfig()
        (config.steps, config.batch) = (2, 2)
        let trainer = try Trainer(model: model, data: windows, config: config)
        for _ in 0..<2 { _ = try trainer.runStep() }
        try device.synchronize()
        #expect(plan.totalBytes == device.memoryUsage.peakBytes, "planned \(plan.totalBytes), measured \(device.memoryUsage.peakBytes)")
    }
}
