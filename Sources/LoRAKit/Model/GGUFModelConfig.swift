import Foundation
import LoRAKitGGUF

/// A Llama-family configuration from a GGUF file's `<architecture>.*` metadata, as llama.cpp's
/// converter writes it from config.json: the same checks as config.json's, each error naming
/// the GGUF key.
enum GGUFModelConfig {
    /// GGUF architectures that are Llama blocks with other metadata (mistral converts as llama).
    static let architectures = ["llama": "llama", "mistral": "mistral", "qwen2": "qwen2"]

    static func config(of file: GGUFFile, path: String) throws -> ModelConfig {
        let architecture = try read(path) { () throws(GGUFError) in try file.string("general.architecture") }
        guard let modelType = architectures[architecture] else {
            throw ModelError.invalidConfig(file: path, field: "general.architecture",
                                           detail: "'\(architecture)' is not supported (supported: \(architectures.keys.sorted().joined(separator: ", ")))")
        }
        let prefix = architecture + "."
        func integer(_ key: String) throws -> Int? {
            guard file.metadata[prefix + key] != nil else { return nil }
            let value = try read(path) { () throws(GGUFError) in try file.uint(prefix + key) }
            guard value >= 1, value <= UInt64(Int32.max) else {
                throw ModelError.invalidConfig(file: path, field: prefix + key, detail: "\(value) is out of range")
            }
            return Int(value)
        }
        func real(_ key: String) throws -> Double? {
            guard file.metadata[prefix + key] != nil else { return nil }
            return try read(path) { () throws(GGUFError) in try file.float(prefix + key) }
        }
        func required(_ key: String) throws -> Int {
            guard let value = try integer(key) else { throw ModelError.invalidConfig(file: path, field: prefix + key, detail: "is missing") }
            return value
        }
        try refuseRopeScaling(file, prefix: prefix, path: path)
        let embedding = try file.tensor(named: "token_embd.weight")
        var json: [String: Any] = [
            "model_type": modelType, "hidden_size": try required("embedding_length"), "intermediate_size": try required("feed_forward_length"),
            "num_hidden_layers": try required("block_count"), "num_attention_heads": try required("attention.head_count"),
            "vocab_size": try integer("vocab_size") ?? embedding.rowMajorShape.first ?? 0,
            "tie_word_embeddings": !file.hasTensor(named: "output.weight"),
            "attention_bias": file.hasTensor(named: "blk.0.attn_q.bias"),
        ]
        json["num_key_value_heads"] = try integer("attention.head_count_kv")
        json["head_dim"] = try integer("attention.key_length")
        json["max_position_embeddings"] = try integer("context_length")
        json["rms_norm_eps"] = try real("attention.layer_norm_rms_epsilon")
        json["rope_theta"] = try real("rope.freq_base")
        return try ModelConfig(json: json, file: path)
    }

    /// Rope scaling other than none is not read yet: refused rather than silently ignored.
    private static func refuseRopeScaling(_ file: GGUFFile, prefix: String, path: String) throws {
        if let type = try? file.string(prefix + "rope.scaling.type"), type != "none" {
            throw ModelError.invalidConfig(file: path, field: prefix + "rope.scaling.type", detail: "rope scaling '\(type)' is not implemented for GGUF models")
        }
        if file.hasTensor(named: "rope_freqs.weight") {
            throw ModelError.invalidConfig(file: path, field: "rope_freqs.weight",
                                           detail: "Llama 3.1-style rope frequency factors are not implemented for GGUF models")
        }
    }

    /// A GGUF read whose error becomes a ModelError naming the file.
    static func read<T>(_ path: String, _ body: () throws(GGUFError) -> T) throws -> T {
        do { return try body() } catch { throw ModelError.invalidConfig(file: path, field: error.field, detail: error.reason) }
    }
}
