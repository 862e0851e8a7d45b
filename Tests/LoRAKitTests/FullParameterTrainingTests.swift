import Foundation
import LoRAKit
import Testing

/// Full-parameter training (how the bundled base is pretrained) and finite differences through
/// the whole tiny Llama.
///
/// Against PyTorch autograd (`Fixtures/make_full_gradients.py`): per element
/// 3·10⁻⁴·|g| + 10⁻³·max|g| of that tensor, as for the LoRA gradients. Finite differences: central
/// differences of the float32 loss with a step of 10⁻² (the loss's own rounding, ~10⁻⁶, then
/// contributes ~10⁻⁴), checked to 5 %·|g| + 10⁻³ on the entries with the largest gradients.
@Suite("Full-parameter training")
struct FullParameterTrainingTests {
    static func fullModel(on device: any Device, folder: URL) throws -> LlamaModel {
        try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, fullParameter: true)
    }

    @Test("every tensor's gradient matches PyTorch autograd; checkpointing on and off agree", arguments: TestDevices.all)
    func gradientsMatchPyTorch(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.fullModel(on: device, folder: folder)
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("tiny-llama-bnb4/full_gradients.safetensors"))
        try model.zeroGradients()
        let (loss, _) = try model.lossAndGradients(ids: LlamaTrainingTests.ids(), batch: 2, step: 0, checkpointing: false)
        let expectedLoss = Double(try reference.floats("loss")[0])
        #expect(abs(loss - expectedLoss) <= 1e-4 * expectedLoss, "loss \(loss) vs PyTorch \(expectedLoss)")
        let parameters = model.trainableParameters
        #expect(parameters.count == reference.tensors.count - 1, "one parameter per tensor of the checkpoint")
        var plain: [[Float]] = []
        for parameter in parameters {
            let ours: [Float] = try parameter.gradient.download()
            plain.append(ours)
            let theirs = try reference.floats(parameter.name).map(Double.init)
            let largest = theirs.map(abs).max()!
            expectWithin(ours, theirs, bound: theirs.map { 3e-4 * abs($0) + 1e-3 * largest }, parameter.name)
        }
        try model.zeroGradients()
        _ = try model.lossAndGradients(ids: LlamaTrainingTests.ids(), batch: 2, step: 0, checkpointing: true)
        #expect(try parameters.map { try $0.gradient.download(as: Float.self) } == plain)
    }

    /// Central difference of the loss in one element of `parameter`.
    static func numericGradient(_ model: LlamaModel, _ parameter: TrainableParameter, index: Int, ids: [Int32], step h: Float = 1e-2) throws -> Double {
        var values: [Float] = try parameter.value.download()
        let original = values[index]
        values[index] = original + h
        try parameter.value.upload(values)
        let plus = try model.loss(ids: ids, batch: 2).loss
        values[index] = original - h
        try parameter.value.upload(values)
        let minus = try model.loss(ids: ids, batch: 2).loss
        values[index] = original
        try parameter.value.upload(values)
        return (plus - minus) / (2 * Double(h))
    }

    static func checkByFiniteDifferences(_ model: LlamaModel, parameters: [TrainableParameter], ids: [Int32], entries: Int) throws {
        try model.zeroGradients()
        _ = try model.lossAndGradients(ids: ids, batch: 2, step: 0)
        for parameter in parameters {
            let analytic: [Float] = try parameter.gradient.download()
            let largest = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(entries)
            for index in largest {
                let numeric = try numericGradient(model, parameter, index: index, ids: ids)
                #expect(abs(Double(analytic[index]) - numeric) <= 0.05 * abs(numeric) + 1e-3,
                        "\(parameter.name)[\(index)]: analytic \(analytic[index]) vs numeric \(numeric)")
            }
        }
    }

    @Test("finite differences: a tied-embedding model in full-parameter mode", arguments: TestDevices.all)
    func tiedFiniteDifferences(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try Self.tiedCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.fullModel(on: device, folder: folder)
        let parameters = model.trainableParameters
        #expect(!parameters.contains { $0.name == "lm_head.weight" }, "a tied head shares the embedding's parameter")
        let picked = parameters.filter { ["model.embed_tokens.weight", "model.norm.weight", "model.layers.0.input_layernorm.weight",
                                          "model.layers.1.post_attention_layernorm.weight", "model.layers.0.self_attn.k_proj.weight",
                                          "model.layers.1.mlp.down_proj.weight"].contains($0.name) }
        #expect(picked.count == 6)
        try Self.checkByFiniteDifferences(model, parameters: picked, ids: LlamaTrainingTests.ids(), entries: 3)
    }

    @Test("finite differences: LoRA A and B through the whole model", arguments: TestDevices.all)
    func loraFiniteDifferences(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaTrainingTests.model(on: device, folder: folder)
        let picked = model.trainableParameters.filter { $0.name.hasPrefix("model.layers.0.self_attn.q_proj") || $0.name.hasPrefix("model.layers.1.mlp.up_proj") }
        #expect(picked.count == 4)
        try Self.checkByFiniteDifferences(model, parameters: picked, ids: LlamaTrainingTests.ids(), entries: 3)
    }

    /// The tiny checkpoint with `tie_word_embeddings` and no lm_head.
    static func tiedCheckpoint() throws -> URL {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for name in weights.tensors.map(\.name) where name != "lm_head.weight" {
            try writer.add(.init(name: name, shape: try weights.info(name).shape, floats: try weights.floats(name)))
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        let configURL = folder.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["tie_word_embeddings"] = true
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        return folder
    }

    @Test("training falls, saves a checkpoint that reloads with the same loss, and resumes bit for bit", arguments: TestDevices.all)
    func trainSaveResume(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try Self.tiedCheckpoint()
        let scratch = folder.deletingLastPathComponent().appendingPathComponent("lorakit-full-\(UUID().uuidString)")
        defer { [folder, scratch].forEach { try? FileManager.default.removeItem(at: $0) } }
        let data = try TokenWindows(tokens: TrainerTests.text, length: 16, heldOutFraction: 0.1, source: "text")
        var config = TrainerTests.config(steps: 6)
        config.learningRate = 3e-3
        let straight = try Trainer(model: Self.fullModel(on: device, folder: folder), data: data, config: config)
        let before = try #require(try straight.evaluate())
        for _ in 0..<6 { _ = try straight.runStep() }
        let after = try #require(try straight.evaluate())
        #expect(after < before - 0.5, "held-out loss \(before) → \(after)")

        // The saved weights are a checkpoint in their own right, with the trained loss.
        let saved = scratch.appendingPathComponent("model")
        try straight.model.saveWeights(to: saved)
        let reloaded = try LlamaModel(checkpoint: ModelCheckpoint(folder: saved), device: device)
        let ids = Array(data.heldOutWindow(0))
        #expect(try reloaded.loss(ids: ids, batch: 1).loss == straight.model.loss(ids: ids, batch: 1).loss)

        let first = try Trainer(model: Self.fullModel(on: device, folder: folder), data: data, config: config)
        for _ in 0..<3 { _ = try first.runStep() }
        let checkpoint = scratch.appendingPathComponent("checkpoint")
        try first.saveCheckpoint(to: checkpoint)
        let second = try Trainer(model: Self.fullModel(on: device, folder: folder), data: data, config: config)
        try second.resume(from: checkpoint)
        for _ in 0..<3 { _ = try second.runStep() }
        let values = { (trainer: Trainer) in try trainer.model.trainableParameters.map { try $0.value.download(as: Float.self) } }
        #expect(try values(second) == values(straight))

        // Weights of another shape are refused, naming the tensor.
        let bundled = BundledModelTests.root.appendingPathComponent("Bundled/kjv-llama-3m")
        #expect { try second.model.loadWeights(from: bundled) } throws: {
            "\($0)".contains(bundled.path) && "\($0)".contains("model.embed_tokens.weight")
        }

        // A LoRA run cannot resume from a full-parameter checkpoint.
        let lora = try Trainer(model: TrainerTests.model(on: device, folder: folder), data: data, config: config)
        #expect { try lora.resume(from: checkpoint) } throws: { "\($0)".contains("full-parameter") }
    }

    @Test("full-parameter training refuses NF4 weights and LoRA")
    func refusals() throws {
        #expect { try LlamaModel(checkpoint: ModelCheckpoint(folder: Fixtures.url("tiny-llama-bnb4")), device: TestDevices.host, fullParameter: true) } throws: {
            "\($0)".contains("tiny-llama-bnb4") && "\($0)".contains("NF4 weights can only be frozen")
        }
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect { try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: TestDevices.host, quantizeToNF4: true, fullParameter: true) } throws: {
            "\($0)".contains("NF4")
        }
        #expect { try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: TestDevices.host, lora: LoRAConfig(rank: 2, alpha: 4),
                                 fullParameter: true) } throws: { "\($0)".contains("exclude each other") }
    }

    @Test("a random checkpoint: transformers' initialisation, the same bytes for the same seed, a refusal to overwrite")
    func randomCheckpoint() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        var shape = RandomCheckpoint()
        (shape.hiddenSize, shape.intermediateSize, shape.layerCount, shape.attentionHeads, shape.keyValueHeads) = (64, 96, 2, 4, 2)
        let checkpoint = try shape.write(to: base.appendingPathComponent("a"), seed: 9)
        try shape.write(to: base.appendingPathComponent("b"), seed: 9)
        try shape.write(to: base.appendingPathComponent("c"), seed: 10)
        func bytes(_ name: String) throws -> Data { try Data(contentsOf: base.appendingPathComponent(name).appendingPathComponent("model.safetensors")) }
        #expect(try bytes("a") == bytes("b"))
        #expect(try bytes("a") != bytes("c"))
        #expect(checkpoint.isByteLevel && checkpoint.config.keyValueHeads == 2 && !checkpoint.config.tieWordEmbeddings)
        #expect(try checkpoint.floats("model.layers.1.post_attention_layernorm.weight") == [Float](repeating: 1, count: 64))
        let q = try checkpoint.floats("model.layers.0.mlp.up_proj.weight").map(Double.init)
        let mean = q.reduce(0, +) / Double(q.count)
        let deviation = (q.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(q.count)).squareRoot()
        // 6144 draws: the sample mean is within 4σ/√n ≈ 0.001 and the deviation within ~4 %.
        #expect(abs(mean) < 0.001 && abs(deviation - 0.02) < 0.0008, "mean \(mean), deviation \(deviation)")
        #expect { try shape.write(to: base.appendingPathComponent("a"), seed: 1) } throws: { "\($0)".contains("refusing to overwrite") }
        shape.attentionHeads = 5
        #expect { try shape.write(to: base.appendingPathComponent("d"), seed: 1) } throws: { "\($0)".contains("num_attention_heads") }
    }
}
