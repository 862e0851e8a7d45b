import Foundation
import LoRAKit
import Testing

/// The tiny Llama's logits and loss against transformers (`Fixtures/make_tiny_llama_logits.py`):
/// float32 weights, and the NF4 checkpoint (whose reference is the float32 model over
/// bitsandbytes' dequantized weights). Tolerance 2·10⁻⁴·(1 + |logit|) per logit: two layers of
/// float32 sums of 64–96 terms, computed in a different order than PyTorch's.
@Suite("Llama model forward")
struct LlamaModelTests {
    @Test("logits and loss match transformers", arguments: TestDevices.all, ["float32", "nf4"])
    func matchesTransformers(info: DeviceInfo, variant: String) throws {
        let device = try TestDevices.open(info)
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("tiny-llama-bnb4/reference_logits.safetensors"))
        let ids = try LlamaTrainingTests.ids()
        var folder = Fixtures.url("tiny-llama-bnb4")
        var cleanup: URL?
        if variant == "float32" {
            folder = try CheckpointQuantizerTests.floatCheckpoint()
            cleanup = folder
        }
        defer { cleanup.map { try? FileManager.default.removeItem(at: $0) } }
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device)
        let logits: [Float] = try model.logits(ids: ids, batch: 2).download()
        let expected = try reference.floats("\(variant).logits").map(Double.init)
        expectWithin(logits, expected, bound: expected.map { 2e-4 * (1 + abs($0)) }, "\(variant) logits")
        let (loss, tokens) = try model.loss(ids: ids, batch: 2)
        let expectedLoss = Double(try reference.floats("\(variant).loss")[0])
        #expect(tokens == 16)
        #expect(abs(loss - expectedLoss) <= 1e-4 * expectedLoss, "loss \(loss) vs transformers \(expectedLoss)")
    }

    @Test("a float16 checkpoint stays float16 on the device and gives its float32 widening's logits bit for bit",
          arguments: TestDevices.all)
    func float16Stays(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let source = try CheckpointQuantizerTests.floatCheckpoint()
        let half = source.deletingLastPathComponent().appendingPathComponent("lorakit-f16-\(UUID().uuidString)")
        let widened = source.deletingLastPathComponent().appendingPathComponent("lorakit-f16w-\(UUID().uuidString)")
        defer { [source, half, widened].forEach { try? FileManager.default.removeItem(at: $0) } }
        let weights = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors"))
        var halfWriter = SafeTensorsWriter(metadata: ["format": "pt"]), wideWriter = SafeTensorsWriter(metadata: ["format": "pt"])
        for tensor in weights.tensors {
            let rounded = try weights.floats(tensor.name).map { Float16($0) }
            try halfWriter.add(.init(name: tensor.name, dtype: .f16, shape: tensor.shape,
                                     bytes: rounded.withUnsafeBufferPointer { Data(buffer: $0) }))
            try wideWriter.add(.init(name: tensor.name, shape: tensor.shape, floats: rounded.map(Float.init)))
        }
        for (folder, writer) in [(half, halfWriter), (widened, wideWriter)] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try writer.write(to: folder.appendingPathComponent("model.safetensors"))
            try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        }
        let lora = LoRAConfig(rank: 2, alpha: 4, targetModules: ["q_proj"])
        let model16 = try LlamaModel(checkpoint: ModelCheckpoint(folder: half), device: device, lora: lora)
        let model32 = try LlamaModel(checkpoint: ModelCheckpoint(folder: widened), device: device, lora: lora)
        guard case .frozen(let down) = model16.layers[1].projections["down_proj"]!, case .dense(let buffer) = down.weight else {
            Issue.record("down_proj should be a frozen dense layer")
            return
        }
        #expect(buffer.elementType == .float16)
        let ids = try LlamaTrainingTests.ids()
        #expect(try model16.logits(ids: ids, batch: 2).download(as: Float.self) == model32.logits(ids: ids, batch: 2).download(as: Float.self))
        // Training through float16 bases: the same LoRA gradients as over their widening.
        try model16.zeroGradients()
        try model32.zeroGradients()
        _ = try model16.lossAndGradients(ids: ids, batch: 2, step: 0)
        _ = try model32.lossAndGradients(ids: ids, batch: 2, step: 0)
        #expect(try model16.trainableParameters.map { try $0.gradient.download(as: Float.self) }
                == model32.trainableParameters.map { try $0.gradient.download(as: Float.self) })
    }

    @Test("quantizing a float checkpoint on load gives the NF4 model's logits", arguments: TestDevices.all)
    func quantizeOnLoad(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("tiny-llama-bnb4/reference_logits.safetensors"))
        let ids = try LlamaTrainingTests.ids()
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, quantizeToNF4: true)
        let expected = try reference.floats("nf4.logits").map(Double.init)
        expectWithin(try model.logits(ids: ids, batch: 2).download(), expected, bound: expected.map { 2e-4 * (1 + abs($0)) }, "quantized on load")
    }

    @Test("bad input: ids outside the vocabulary, ragged batch, unknown target module")
    func badInput() throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(folder: folder)
        let model = try LlamaModel(checkpoint: checkpoint, device: TestDevices.host)
        #expect { try model.logits(ids: [1, 2, 256], batch: 1) } throws: { "\($0)".contains("token id 256 is outside the vocabulary of 256") }
        #expect { try model.logits(ids: [1, 2, 3], batch: 2) } throws: { "\($0)".contains("do not split into 2 equal sequences") }
        #expect { try LlamaModel(checkpoint: checkpoint, device: TestDevices.host, lora: LoRAConfig(targetModules: ["query"])) } throws: {
            "\($0)".contains("target module 'query' does not exist")
        }
    }
}

@Suite("Text generation")
struct TextGenerationTests {
    @Test("greedy decoding takes the argmax; sampling is reproducible from its seed")
    func generation() throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: TestDevices.host)
        var generator = try TextGenerator(model: model)
        generator.temperature = 0
        let prompt = Array("the cat".utf8).map(Int32.init)
        let greedy = try generator.continuation(of: prompt, count: 3)
        #expect(Array(greedy.prefix(prompt.count)) == prompt && greedy.count == prompt.count + 3)
        for step in 0..<3 {
            let context = Array(greedy.prefix(prompt.count + step))
            let logits: [Float] = try model.logits(ids: context, batch: 1).download(range: ((context.count - 1) * 256)..<(context.count * 256))
            #expect(Int(greedy[prompt.count + step]) == logits.indices.max { logits[$0] < logits[$1] }!)
        }
        generator.temperature = 1
        generator.seed = 4
        let first = try generator.continuation(of: prompt, count: 6)
        #expect(try generator.continuation(of: prompt, count: 6) == first)
        #expect { try generator.continuation(of: [], count: 1) } throws: { "\($0)".contains("prompt") }
    }
}
