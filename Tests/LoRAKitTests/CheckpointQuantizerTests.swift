import Foundation
import LoRAKit
import Testing

/// `Fixtures/tiny-llama-bnb4`: a tiny Llama quantized by transformers + bitsandbytes, next to
/// its float32 original (`Fixtures/make_tiny_llama_bnb4.py`).
@Suite("Checkpoint quantization (bitsandbytes format)")
struct CheckpointQuantizerTests {
    static let folder = Fixtures.url("tiny-llama-bnb4")

    /// A float32 checkpoint folder made from the fixture's original weights and config.
    static func floatCheckpoint() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-fp32-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("original.safetensors"),
                                         to: folder.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("config.json"))) as! [String: Any]
        config["quantization_config"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        try Data("{}".utf8).write(to: folder.appendingPathComponent("generation_config.json"))
        return folder
    }

    @Test("a model quantized by transformers + bitsandbytes loads, and its weights are what we compute")
    func loadsBitsAndBytesModel() throws {
        let theirs = try SafeTensorsFile(contentsOf: Self.folder.appendingPathComponent("model.safetensors"))
        let original = try SafeTensorsFile(contentsOf: Self.folder.appendingPathComponent("original.safetensors"))
        var quantized = 0
        for info in original.tensors {
            guard BitsAndBytesCheckpoint.isQuantized(info.name, in: theirs) else {
                #expect(try theirs.bytes(info.name) == original.bytes(info.name), "\(info.name) is kept as it was")
                continue
            }
            quantized += 1
            let loaded = try BitsAndBytesCheckpoint.load(info.name, from: theirs)
            #expect(loaded.shape == info.shape)
            let ours = try NF4Codec.quantize(try original.floats(info.name), shape: info.shape, doubleQuantize: false)
            #expect(ours.packed == loaded.packed, "\(info.name) codes")
            // Dequantized values agree to the last bit given the same absmax; ours differ only
            // through the double-quantization offset's last bit (see NF4Tests).
            guard case .doubleQuantized(let nested) = loaded.absmax, case .plain(let absmax) = ours.absmax else {
                Issue.record("\(info.name): expected double quantization"); continue
            }
            let requantized = try NF4Tensor(shape: info.shape, blockSize: 64, packed: ours.packed,
                                            absmax: .doubleQuantized(.quantize(absmax, offset: nested.offset)), originalDType: .f32)
            #expect(NF4Codec.dequantize(requantized).map(\.bitPattern) == NF4Codec.dequantize(loaded).map(\.bitPattern), "\(info.name) values")
        }
        #expect(quantized == 14, "2 layers × 7 projections")
    }

    @Test("lorakit quantize writes what transformers writes")
    func quantizeMatchesTransformers() throws {
        let input = try Self.floatCheckpoint()
        let output = input.deletingLastPathComponent().appendingPathComponent("lorakit-nf4-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: input)
            try? FileManager.default.removeItem(at: output)
        }
        let report = try CheckpointQuantizer().quantize(model: input, output: output)
        #expect(report.quantizedTensors == 14 && report.copiedTensors == 7)
        #expect(report.tensorBytesAfter < report.tensorBytesBefore / 2)
        let ours = try SafeTensorsFile(contentsOf: output.appendingPathComponent("model.safetensors"))
        let theirs = try SafeTensorsFile(contentsOf: Self.folder.appendingPathComponent("model.safetensors"))
        #expect(Set(ours.tensors.map(\.name)) == Set(theirs.tensors.map(\.name)), "same tensor names")
        for info in ours.tensors where !info.name.hasSuffix("bitsandbytes__nf4") && !info.name.hasSuffix(".absmax")
            && !info.name.hasSuffix(".nested_absmax") {
            #expect(try ours.bytes(info.name) == theirs.bytes(info.name), "\(info.name)")
            #expect(info.shape == (try theirs.info(info.name).shape), "\(info.name) shape")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("config.json"))) as! [String: Any]
        let quantization = config["quantization_config"] as! [String: Any]
        #expect(quantization["quant_method"] as? String == "bitsandbytes")
        #expect(quantization["bnb_4bit_quant_type"] as? String == "nf4")
        #expect(quantization["load_in_4bit"] as? Bool == true)
        let configText = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(configText.contains("\"llm_int8_threshold\" : 6.0"), "transformers requires a float here")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("generation_config.json").path))
    }

    @Test("a sharded checkpoint (model.safetensors.index.json) quantizes like the single file")
    func shardedInput() throws {
        let single = try Self.floatCheckpoint()
        let sharded = single.deletingLastPathComponent().appendingPathComponent("lorakit-sharded-\(UUID().uuidString)")
        let outputs = [single, sharded].map { $0.appendingPathExtension("out") }
        defer { ([single, sharded] + outputs).forEach { try? FileManager.default.removeItem(at: $0) } }
        try FileManager.default.createDirectory(at: sharded, withIntermediateDirectories: true)
        let original = try SafeTensorsFile(contentsOf: single.appendingPathComponent("model.safetensors"))
        var shards = [SafeTensorsWriter(metadata: ["format": "pt"]), SafeTensorsWriter(metadata: ["format": "pt"])]
        var weightMap: [String: String] = [:]
        for info in original.tensors {
            let shard = info.name.contains("layers.1.") || info.name.hasPrefix("lm_head") ? 1 : 0
            try shards[shard].add(.init(name: info.name, dtype: info.dtype, shape: info.shape, bytes: Data(try original.bytes(info.name))))
            weightMap[info.name] = "model-0000\(shard + 1)-of-00002.safetensors"
        }
        for (index, shard) in shards.enumerated() {
            try shard.write(to: sharded.appendingPathComponent("model-0000\(index + 1)-of-00002.safetensors"))
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
            .write(to: sharded.appendingPathComponent("model.safetensors.index.json"))
        try FileManager.default.copyItem(at: single.appendingPathComponent("config.json"), to: sharded.appendingPathComponent("config.json"))

        _ = try CheckpointQuantizer().quantize(model: single, output: outputs[0])
        let report = try CheckpointQuantizer().quantize(model: sharded, output: outputs[1])
        #expect(report.quantizedTensors == 14 && report.copiedTensors == 7)
        let a = try Data(contentsOf: outputs[0].appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: outputs[1].appendingPathComponent("model.safetensors"))
        #expect(a == b, "the same checkpoint, byte for byte")
        #expect(!FileManager.default.fileExists(atPath: outputs[1].appendingPathComponent("model.safetensors.index.json").path))
    }

    @Test("bad input: already quantized, missing weights, non-empty output, bad block size")
    func badInput() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-q-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        #expect { try CheckpointQuantizer().quantize(model: Self.folder, output: scratch) } throws: {
            "\($0)".contains("already has a quantization_config")
        }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        #expect { try CheckpointQuantizer().quantize(model: scratch, output: scratch.appendingPathComponent("out")) } throws: {
            "\($0)".contains("has neither model.safetensors nor model.safetensors.index.json")
        }
        let input = try Self.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: input) }
        #expect { try CheckpointQuantizer().quantize(model: input, output: input) } throws: { "\($0)".contains("is not empty") }
        #expect(throws: QuantizationError.invalidBlockSize(100)) {
            try CheckpointQuantizer(blockSize: 100).quantize(model: input, output: scratch.appendingPathComponent("x"))
        }
    }
}
