import Foundation
import LoRAKit
import Testing

@Suite("Model checkpoints (config.json + safetensors)")
struct ModelCheckpointTests {
    /// The float32 tiny Llama with config.json edited by `change`.
    static func checkpoint(_ change: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        let url = folder.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return folder
    }

    @Test("a float32 and a bitsandbytes 4-bit Llama load with their configuration")
    func loads() throws {
        let folder = try Self.checkpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dense = try ModelCheckpoint(folder: folder)
        let c = dense.config
        #expect(c.modelType == "llama" && c.hiddenSize == 64 && c.intermediateSize == 96 && c.layerCount == 2)
        #expect(c.attentionHeads == 4 && c.keyValueHeads == 2 && c.headDimension == 16 && c.vocabularySize == 256)
        #expect(c.ropeTheta == 10_000 && c.rmsNormEpsilon == 1e-6 && !c.tieWordEmbeddings && !c.attentionBias && !c.isNF4Quantized)
        let original = try SafeTensorsFile(contentsOf: Fixtures.url("tiny-llama-bnb4/original.safetensors"))
        #expect(try dense.floats("model.layers.1.mlp.down_proj.weight") == original.floats("model.layers.1.mlp.down_proj.weight"))

        let quantized = try ModelCheckpoint(folder: Fixtures.url("tiny-llama-bnb4"))
        #expect(quantized.config.isNF4Quantized)
        #expect(quantized.isQuantized("model.layers.0.self_attn.k_proj.weight") && !quantized.isQuantized("model.embed_tokens.weight"))
        let k = try quantized.nf4("model.layers.0.self_attn.k_proj.weight")
        #expect(k.shape == [32, 64])
        #expect(try quantized.floats("model.layers.0.self_attn.k_proj.weight") == NF4Codec.dequantize(k))
        try quantized.config.validateTargets(["q_proj", "down_proj"])
        #expect(throws: ModelError.unknownTargetModule(module: "qkv_proj", available: ModelConfig.linearModules)) {
            try quantized.config.validateTargets(["q_proj", "qkv_proj"])
        }
    }

    @Test("bad configs and checkpoints name the file and the field or tensor", arguments: [
        ("drop hidden_size", "field 'hidden_size': is missing"),
        ("gpt2", "model_type 'gpt2' is not supported"),
        ("kv heads 3", "field 'num_key_value_heads': 3 does not divide num_attention_heads 4"),
        ("intermediate 95", "tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64] but config.json implies [95, 64]"),
        ("3 layers", "tensor 'model.layers.2.input_layernorm.weight' is missing"),
        ("tied", "tensor 'lm_head.weight' is not part of this architecture"),
        ("llama3 rope without its factors", "field 'rope_parameters.low_freq_factor': must be a positive number for rope type llama3"),
        ("llama3 rope with high_freq_factor at most low_freq_factor", "field 'rope_parameters.high_freq_factor': must exceed low_freq_factor 4.0"),
        ("yarn rope", "field 'rope_scaling.rope_type': rope type 'yarn' is not implemented (default and llama3 are)"),
        ("negative eps", "field 'rms_norm_eps': must be a positive number"),
    ])
    func badInput(change: String, expected: String) throws {
        let folder = try Self.checkpoint { config in
            switch change {
            case "drop hidden_size": config["hidden_size"] = nil
            case "gpt2": config["model_type"] = "gpt2"
            case "kv heads 3": config["num_key_value_heads"] = 3
            case "intermediate 95": config["intermediate_size"] = 95
            case "3 layers": config["num_hidden_layers"] = 3
            case "tied": config["tie_word_embeddings"] = true
            case "llama3 rope without its factors": config["rope_parameters"] = ["rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0]
            case "llama3 rope with high_freq_factor at most low_freq_factor":
                config["rope_parameters"] = ["rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 4.0,
                                             "high_freq_factor": 1.0, "original_max_position_embeddings": 64]
            case "yarn rope":
                config["rope_parameters"] = nil
                config["rope_scaling"] = ["rope_type": "yarn", "factor": 4.0]
            default: config["rms_norm_eps"] = -1
            }
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect { try ModelCheckpoint(folder: folder) } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains(folder.path)
        }
    }

    @Test("shard names from model.safetensors.index.json may not leave the model folder", arguments: ["../outside.safetensors", "/etc/passwd", "a/../../b.safetensors"])
    func shardOutsideFolder(shard: String) throws {
        let folder = try Self.checkpoint { _ in }
        defer { try? FileManager.default.removeItem(at: folder) }
        let index = ["weight_map": ["model.embed_tokens.weight": shard]]
        try JSONSerialization.data(withJSONObject: index).write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        #expect { try ModelCheckpoint(folder: folder) } throws: { error in
            "\(error)".contains("shard '\(shard)' is not a file inside the model folder") && "\(error)".contains("model.safetensors.index.json")
        }
    }
}
