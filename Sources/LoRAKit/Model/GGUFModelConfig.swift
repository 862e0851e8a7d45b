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
        var config = try ModelConfig(json: json, file: path)
        config.ropeFrequencyDivisors = try ropeDivisors(file, prefix: prefix, path: path, count: config.headDimension / 2)
        return config
    }

    /// llama.cpp's rope scaling: per-frequency factors in the `rope_freqs` tensor (Llama 3.1's
    /// scaling, as its converter stores it), or `rope.scaling.type` linear with
    /// `rope.scaling.factor`; both divide the inverse frequencies. Other types are refused.
    private static func ropeDivisors(_ file: GGUFFile, prefix: String, path: String, count: Int) throws -> [Float]? {
        let key = prefix + "rope.scaling.type"
        let type = file.metadata[key] == nil ? "none" : try read(path) { () throws(GGUFError) in try file.string(key) }
        if file.hasTensor(named: "rope_freqs.weight") {
            guard type == "none" else { throw ModelError.invalidConfig(file: path, field: key, detail: "'\(type)' together with rope_freqs.weight") }
            let factors = try read(path) { () throws(GGUFError) in try file.tensor(named: "rope_freqs.weight").dequantized() }
            guard factors.count == count, factors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ModelError.invalidConfig(file: path, field: "rope_freqs.weight", detail: "must hold \(count) positive factors, has \(factors.count)")
            }
            return factors
        }
        switch type {
        case "none":
            return nil
        case "linear":
            let factor = try read(path) { () throws(GGUFError) in try file.float(prefix + "rope.scaling.factor") }
            guard factor.isFinite, factor > 0 else { throw ModelError.invalidConfig(file: path, field: prefix + "rope.scaling.factor", detail: "\(factor) must be positive") }
            return [Float](repeating: Float(factor), count: count)
        default:
            throw ModelError.invalidConfig(file: path, field: key, detail: "rope scaling '\(type)' is not implemented (none, linear and rope_freqs factors are)")
        }
    }

    /// A GGUF read whose error becomes a ModelError naming the file.
    static func read<T>(_ path: String, _ body: () throws(GGUFError) -> T) throws -> T {
        do { return try body() } catch { throw ModelError.invalidConfig(file: path, field: error.field, detail: error.reason) }
    }
}
