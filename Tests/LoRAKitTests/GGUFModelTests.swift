import Foundation
import LoRAKit
import LoRAKitGGUF
import Testing

/// GGUF models as llama.cpp's converter writes them (Fixtures/make_gguf_model_fixture.py: a tiny
/// random Llama and Qwen2 converted by convert_hf_to_gguf.py, their block weights re-quantized to
/// Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0) against transformers, which loads the same files by
/// dequantizing them.
/// Tolerance 2·10⁻⁴·(1 + |logit|) per logit and 10⁻⁴ relative for the loss, as for the
/// safetensors models: the same dequantized weights, float32 sums in another order.
@Suite("GGUF models")
struct GGUFModelTests {
    static let file = Fixtures.url("gguf-model/tiny-llama.gguf")

    /// (model, transformers' reference, vocabulary): a llama model (q/k rows permuted by the
    /// converter) and a qwen2 one (q/k/v biases, rows as transformers has them).
    /// And a Llama with Llama 3.1's rope scaling, which the converter stores as rope_freqs.
    static let models = [("tiny-llama.gguf", "reference.safetensors", 49152), ("tiny-qwen2.gguf", "reference-qwen2.safetensors", 151936),
                         ("tiny-llama31.gguf", "reference-llama31.safetensors", 49152)]

    @Test("logits and loss of quantized GGUF Llama, Qwen2 and Llama 3.1-scaled models match transformers'", arguments: TestDevices.all, [0, 1, 2])
    func matchesTransformers(info: DeviceInfo, model index: Int) throws {
        let device = try TestDevices.open(info)
        let (name, referenceName, vocabulary) = Self.models[index]
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("gguf-model/" + referenceName))
        let ids: [Int32] = try reference.bytes("input_ids").withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        }
        let columns: [Int] = try reference.bytes("logit_columns").withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        }
        let checkpoint = try ModelCheckpoint(folder: Fixtures.url("gguf-model/" + name))
        #expect(checkpoint.config.vocabularySize == vocabulary && checkpoint.config.tieWordEmbeddings && checkpoint.config.keyValueHeads == 2)
        #expect(checkpoint.config.attentionBias == (index == 1))
        #expect((checkpoint.config.ropeFrequencyDivisors != nil) == (index == 2))
        let model = try LlamaModel(checkpoint: checkpoint, device: device)
        let logits: [Float] = try model.logits(ids: ids, batch: 1).download()
        let picked = (0..<ids.count).flatMap { row in columns.map { logits[row * vocabulary + $0] } }
        let expected = try reference.floats("logits").map(Double.init)
        expectWithin(picked, expected, bound: expected.map { 2e-4 * (1 + abs($0)) }, "GGUF logits")
        let (loss, _) = try model.loss(ids: ids, batch: 1)
        let expectedLoss = Double(try reference.floats("loss")[0])
        #expect(abs(loss - expectedLoss) <= 1e-4 * expectedLoss, "loss \(loss) vs transformers \(expectedLoss)")
    }

    /// `source`'s metadata (plus `extra`) and tensors, each stored as `store` returns it, written to `url`.
    static func rewrite(_ source: URL, to url: URL, extra: [(String, GGUFMetadataValue)] = [],
                        store: (GGUFTensor) throws -> (type: GGMLType, data: Data) = { ($0.type, Data($0.data)) }) throws {
        let file = try GGUFFile(contentsOf: source)
        var writer = GGUFWriter()
        for key in file.metadataKeys { writer.set(key, file.metadata[key]!) }
        for (key, value) in extra { writer.set(key, value) }
        for tensor in file.tensors {
            let (type, data) = try store(tensor)
            try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: type, data: data)
        }
        try writer.write(to: url)
    }

    @Test("an F16 GGUF stays float16 on the device, its q/k rows moved as stored bytes: the logits of its float32 twin bit for bit",
          arguments: TestDevices.all)
    func float16(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-gguf16-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (half, wide) = (folder.appendingPathComponent("f16.gguf"), folder.appendingPathComponent("f32.gguf"))
        // Every matrix as F16 (its dequantized values), norms as they are.
        try Self.rewrite(Self.file, to: half) { tensor in
            tensor.dimensions.count == 2 ? (.f16, try BlockQuantizer.quantize(.f16, tensor.dequantized())) : (tensor.type, Data(tensor.data))
        }
        // The float32 twin holds the float16 values widened, so both models compute the same.
        try Self.rewrite(half, to: wide) { (.f32, try BlockQuantizer.quantize(.f32, $0.dequantized())) }
        let ids: [Int32] = [1, 9690, 198, 2683, 359, 253, 5356, 2]
        let halfModel = try LlamaModel(checkpoint: ModelCheckpoint(folder: half), device: device)
        let wideModel = try LlamaModel(checkpoint: ModelCheckpoint(folder: wide), device: device)
        #expect(try ModelCheckpoint(folder: half).stored("model.layers.1.self_attn.k_proj.weight").dtype == .f16)
        let a: [Float] = try halfModel.logits(ids: ids, batch: 1).download(), b: [Float] = try wideModel.logits(ids: ids, batch: 1).download()
        #expect(a == b, "float16 GGUF logits differ from its float32 twin's")
    }

    @Test("linear rope scaling divides the inverse frequencies by its factor (llama.cpp's freq_scale); other types are refused")
    func ropeScaling() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-gguf-rope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (linear, yarn) = (folder.appendingPathComponent("linear.gguf"), folder.appendingPathComponent("yarn.gguf"))
        try Self.rewrite(Self.file, to: linear, extra: [("llama.rope.scaling.type", .string("linear")), ("llama.rope.scaling.factor", .float32(4))])
        try Self.rewrite(Self.file, to: yarn, extra: [("llama.rope.scaling.type", .string("yarn")), ("llama.rope.scaling.factor", .float32(4))])
        let plain = try ModelCheckpoint(folder: Self.file).config.ropeInverseFrequencies
        #expect(try ModelCheckpoint(folder: linear).config.ropeInverseFrequencies == plain.map { $0 / 4 })
        #expect { try ModelCheckpoint(folder: yarn) } throws: { "\($0)".contains("field 'llama.rope.scaling.type': rope scaling 'yarn' is not implemented") }
    }

    @Test("bad GGUF models are refused naming the file and the key or tensor")
    func badModels() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.gguf")
        try Data("GGUF".utf8).write(to: bad)
        #expect { try ModelCheckpoint(folder: bad) } throws: { "\($0)".contains("bad.gguf") }
        #expect { try ModelCheckpoint(folder: folder.appendingPathComponent("missing.gguf")) } throws: { "\($0)".contains("missing.gguf") }
    }
}

/// `lorakit export` against llama.cpp's own convert_lora_to_gguf.py on the same PEFT adapter
/// (Fixtures/make_gguf_model_fixture.py): the same keys, tensor names, shapes, types and values
/// bit for bit, lora_b's q/k rows included.
@Suite("GGUF adapter export")
struct GGUFAdapterExportTests {
    @Test("the exported adapter equals llama.cpp's converter's")
    func matchesConverter() throws {
        let adapter = try PEFTAdapter.load(from: Fixtures.url("gguf-model/adapter"))
        let base = try ModelCheckpoint(folder: GGUFModelTests.file)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-adapter-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try GGUFAdapterExport.write(adapter, base: base, to: url) == 14)
        let ours = try GGUFFile(contentsOf: url), theirs = try GGUFFile(contentsOf: Fixtures.url("gguf-model/adapter-reference.gguf"))
        for key in ["general.architecture", "general.type", "adapter.type"] {
            #expect(try ours.string(key) == theirs.string(key), "\(key)")
        }
        #expect(try ours.float("adapter.lora.alpha") == theirs.float("adapter.lora.alpha"))
        #expect(Set(ours.tensors.map(\.name)) == Set(theirs.tensors.map(\.name)))
        for tensor in theirs.tensors {
            let mine = try ours.tensor(named: tensor.name)
            #expect(mine.dimensions == tensor.dimensions && mine.type == tensor.type, "\(tensor.name): \(mine.dimensions) vs \(tensor.dimensions)")
            #expect(try mine.dequantized().map(\.bitPattern) == tensor.dequantized().map(\.bitPattern), "\(tensor.name) values")
        }
    }

    @Test("export refuses a safetensors base and names a missing module")
    func refusals() throws {
        let adapter = try PEFTAdapter.load(from: Fixtures.url("gguf-model/adapter"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-adapter-\(UUID().uuidString).gguf")
        #expect { try GGUFAdapterExport.write(adapter, base: ModelCheckpoint(folder: Fixtures.url("tiny-llama-bnb4")), to: url) } throws: {
            "\($0)".contains("needs a GGUF base model")
        }
        var extra = adapter
        extra.modules["model.layers.7.self_attn.q_proj"] = adapter.modules["model.layers.0.self_attn.q_proj"]
        #expect { try GGUFAdapterExport.write(extra, base: ModelCheckpoint(folder: GGUFModelTests.file), to: url) } throws: {
            "\($0)".contains("tensor 'blk.7.attn_q.weight (adapted module model.layers.7.self_attn.q_proj)' is missing")
        }
        #expect(!FileManager.default.fileExists(atPath: url.path), "a failed export leaves no file")
    }
}

/// `lorakit merge` into a GGUF base: a GGUF model whose adapted weights are W + s·B·A (F16 where
/// the base had a block format), everything else copied. Its logits equal the base with the
/// adapter loaded up to the float16 rounding of the merged weights: bound 2·10⁻³·(1 + |logit|).
@Suite("GGUF adapter merge")
struct GGUFAdapterMergeTests {
    @Test("the merged GGUF gives the logits of base + adapter; other tensors and the metadata are copied")
    func mergedLogits() throws {
        let device = try TestDevices.host
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-merged-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: output) }
        let report = try AdapterMerge.merge(model: GGUFModelTests.file, adapter: Fixtures.url("gguf-model/adapter"), output: output, device: device)
        #expect(report.mergedModules == 14)
        let adapter = try PEFTAdapter.load(from: Fixtures.url("gguf-model/adapter"))
        let base = try LlamaModel(checkpoint: ModelCheckpoint(folder: GGUFModelTests.file), device: device, lora: adapter.config)
        try base.load(adapter, from: "gguf-model/adapter")
        let merged = try LlamaModel(checkpoint: ModelCheckpoint(folder: output), device: device)
        let ids: [Int32] = [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 2]
        let expected: [Float] = try base.logits(ids: ids, batch: 1).download()
        let plain: [Float] = try LlamaModel(checkpoint: ModelCheckpoint(folder: GGUFModelTests.file), device: device).logits(ids: ids, batch: 1).download()
        expectWithin(try merged.logits(ids: ids, batch: 1).download(), expected.map(Double.init),
                     bound: expected.map { 2e-3 * (1 + abs(Double($0))) }, "merged GGUF logits")
        #expect(zip(plain, expected).map { abs($0 - $1) }.max()! > 0.05, "the adapter changes the logits, so the check means something")
        let (source, result) = (try GGUFFile(contentsOf: GGUFModelTests.file), try GGUFFile(contentsOf: output))
        #expect(result.metadataKeys == source.metadataKeys)
        #expect(try result.tensor(named: "blk.0.attn_q.weight").type == .f16)
        #expect(try result.tensor(named: "token_embd.weight").data == source.tensor(named: "token_embd.weight").data)
        #expect { try AdapterMerge.merge(model: GGUFModelTests.file, adapter: Fixtures.url("gguf-model/adapter"), output: output, device: device) } throws: {
            "\($0)".contains("name one that does not exist")
        }
    }
}
