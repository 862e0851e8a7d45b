import Foundation
import LoRAKitGGUF

/// A Hugging Face `config.json` of the Llama family (llama, and mistral and qwen2, which differ
/// only in configuration), validated field by field.
public struct ModelConfig: Sendable, Equatable {
    public static let supportedModelTypes = ["llama", "mistral", "qwen2"]

    public var modelType: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var attentionHeads: Int
    public var keyValueHeads: Int
    public var headDimension: Int
    public var vocabularySize: Int
    public var rmsNormEpsilon: Float
    public var ropeTheta: Float
    /// Llama 3.1's frequency rescaling (rope_type llama3); nil for the default rotary embedding.
    public var llama3RopeScaling: Llama3RopeScaling?
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    /// Biases on q, k, v (and o for llama's attention_bias; qwen2 has them on q, k, v only).
    public var attentionBias: Bool
    public var mlpBias: Bool
    /// True when config.json carries a bitsandbytes 4-bit quantization_config.
    public var isNF4Quantized: Bool

    /// What a GGUF model's rope scaling divides each inverse frequency by (headDimension/2
    /// values): its `rope_freqs` tensor (how llama.cpp stores Llama 3.1's scaling), or the linear
    /// scaling factor repeated; nil otherwise.
    public var ropeFrequencyDivisors: [Float]?

    /// RoPE's headDimension/2 inverse frequencies, as transformers computes them for this config
    /// (and llama.cpp for a GGUF model's frequency factors).
    public var ropeInverseFrequencies: [Float] {
        let base = RotaryFrequencies.inverseFrequencies(theta: ropeTheta, headDimension: headDimension, llama3: llama3RopeScaling)
        guard let ropeFrequencyDivisors else { return base }
        return zip(base, ropeFrequencyDivisors).map { $0 / $1 }
    }

    /// The Linear modules of a decoder block, by the names PEFT's target_modules use.
    public static let linearModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    /// Reads `<folder>/config.json`.
    public static func load(from folder: URL) throws -> ModelConfig {
        let url = folder.appendingPathComponent("config.json")
        let file = url.path
        guard let data = try? Data(contentsOf: url) else {
            throw ModelError.invalidConfig(file: file, field: "(file)", detail: "cannot be read")
        }
        return try parse(data, file: file)
    }

    /// Parses the bytes of a config.json; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> ModelConfig {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.invalidConfig(file: file, field: "(file)", detail: "is not a JSON object")
        }
        return try ModelConfig(json: object, file: file)
    }

    /// The configuration a GGUF model file's metadata describes; `path` names it in errors.
    public static func parse(gguf file: GGUFFile, path: String) throws -> ModelConfig {
        try GGUFModelConfig.config(of: file, path: path)
    }

    init(json: [String: Any], file: String) throws {
        let fields = ConfigFields(json: json, file: file)
        guard let type = json["model_type"] as? String else { throw fields.fail("model_type", "is missing") }
        guard Self.supportedModelTypes.contains(type) else { throw ModelError.unsupportedModelType(file: file, modelType: type) }
        modelType = type
        hiddenSize = try fields.integer("hidden_size")
        intermediateSize = try fields.integer("intermediate_size")
        layerCount = try fields.integer("num_hidden_layers")
        attentionHeads = try fields.integer("num_attention_heads")
        keyValueHeads = try fields.integer("num_key_value_heads", default: attentionHeads)
        guard attentionHeads % keyValueHeads == 0 else {
            throw fields.fail("num_key_value_heads", "\(keyValueHeads) does not divide num_attention_heads \(attentionHeads)")
        }
        if json["head_dim"] == nil || json["head_dim"] is NSNull {
            guard hiddenSize % attentionHeads == 0 else {
                throw fields.fail("head_dim", "is missing and hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(attentionHeads)")
            }
            headDimension = hiddenSize / attentionHeads
        } else {
            headDimension = try fields.integer("head_dim")
        }
        guard headDimension % 2 == 0 else { throw fields.fail("head_dim", "\(headDimension) must be even for rotary embeddings") }
        vocabularySize = try fields.integer("vocab_size")
        maxPositionEmbeddings = try fields.integer("max_position_embeddings", default: 2048)
        rmsNormEpsilon = try fields.real(json["rms_norm_eps"], "rms_norm_eps", default: 1e-6)
        // transformers 5 nests rope_theta in rope_parameters; earlier versions keep it at the top.
        let ropeParameters = json["rope_parameters"] as? [String: Any]
        ropeTheta = try fields.real(ropeParameters?["rope_theta"] ?? json["rope_theta"], "rope_theta", default: 10_000)
        llama3RopeScaling = try Self.ropeScaling(fields)
        tieWordEmbeddings = try fields.flag("tie_word_embeddings", default: false)
        attentionBias = try fields.flag("attention_bias", default: type == "qwen2")
        mlpBias = try fields.flag("mlp_bias", default: false)
        isNF4Quantized = try Self.isNF4(fields)
    }

    /// The Llama 3.1 RoPE scaling, nil for the default rotary embedding; any other rope type is
    /// refused. Its fields sit in rope_parameters (transformers 5) or rope_scaling (earlier).
    private static func ropeScaling(_ fields: ConfigFields) throws -> Llama3RopeScaling? {
        let ropeParameters = fields.json["rope_parameters"] as? [String: Any]
        let scalingFields = ropeParameters?["rope_type"] != nil ? ropeParameters : fields.json["rope_scaling"] as? [String: Any]
        let scalingName = ropeParameters?["rope_type"] != nil ? "rope_parameters" : "rope_scaling"
        switch (scalingFields?["rope_type"] ?? scalingFields?["type"]) as? String {
        case nil, "default":
            return nil
        case "llama3":
            func positive(_ field: String) throws -> Float {
                guard let number = scalingFields?[field] as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
                    throw fields.fail("\(scalingName).\(field)", "must be a positive number for rope type llama3, got \(scalingFields?[field] ?? "nothing")")
                }
                return number.floatValue
            }
            let factor = try positive("factor"), low = try positive("low_freq_factor"), high = try positive("high_freq_factor")
            // Bounded before the conversion to Int, which would trap on a huge value (found by ci/fuzz).
            let original = try positive("original_max_position_embeddings")
            guard original < Float(Int32.max) else {
                throw fields.fail("\(scalingName).original_max_position_embeddings", "must be below 2^31, got \(original)")
            }
            let scaling = Llama3RopeScaling(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalMaxPositions: Int(original))
            guard scaling.highFrequencyFactor > scaling.lowFrequencyFactor, scaling.originalMaxPositions >= 1 else {
                throw fields.fail("\(scalingName).high_freq_factor", "must exceed low_freq_factor \(scaling.lowFrequencyFactor)")
            }
            return scaling
        case let other?:
            throw fields.fail("\(scalingName).rope_type", "rope type '\(other)' is not implemented (default and llama3 are)")
        }
    }

    /// Whether quantization_config describes a bitsandbytes NF4 checkpoint; any other quantization is refused.
    private static func isNF4(_ fields: ConfigFields) throws -> Bool {
        guard let quantization = fields.json["quantization_config"] as? [String: Any] else { return false }
        guard quantization["quant_method"] as? String == "bitsandbytes", quantization["load_in_4bit"] as? Bool == true,
              (quantization["bnb_4bit_quant_type"] as? String ?? "fp4") == "nf4" else {
            throw fields.fail("quantization_config", "only bitsandbytes 4-bit NF4 checkpoints are supported")
        }
        return true
    }

    /// Typed, checked reads of config.json's fields, each error naming the file and the field.
    private struct ConfigFields {
        let json: [String: Any]
        let file: String

        func fail(_ field: String, _ detail: String) -> ModelError { .invalidConfig(file: file, field: field, detail: detail) }

        func integer(_ field: String, default value: Int? = nil) throws -> Int {
            guard let raw = json[field], !(raw is NSNull) else {
                if let value { return value }
                throw fail(field, "is missing")
            }
            guard let number = raw as? NSNumber, let integer = Int(exactly: number.doubleValue), integer >= 1 else {
                throw fail(field, "must be a positive integer, got \(raw)")
            }
            return integer
        }

        func real(_ raw: Any?, _ field: String, default value: Float) throws -> Float {
            guard let raw, !(raw is NSNull) else { return value }
            guard let number = raw as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
                throw fail(field, "must be a positive number, got \(raw)")
            }
            return number.floatValue
        }

        func flag(_ field: String, default value: Bool) throws -> Bool {
            guard let raw = json[field], !(raw is NSNull) else { return value }
            guard let bool = raw as? Bool else { throw fail(field, "must be true or false, got \(raw)") }
            return bool
        }
    }

    /// The checkpoint path of a block's Linear module: `model.layers.3.mlp.down_proj`.
    public static func modulePath(layer: Int, module: String) -> String {
        let block = ["gate_proj", "up_proj", "down_proj"].contains(module) ? "mlp" : "self_attn"
        return "model.layers.\(layer).\(block).\(module)"
    }

    /// Checks PEFT-style target module names against this architecture.
    public func validateTargets(_ modules: [String]) throws {
        for module in modules where !Self.linearModules.contains(module) {
            throw ModelError.unknownTargetModule(module: module, available: Self.linearModules)
        }
    }

    /// Parameters of a model of this configuration (every tensor's elements).
    public var parameterCount: Int { expectedTensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Every tensor a checkpoint of this configuration holds, with its logical shape.
    public var expectedTensors: [(name: String, shape: [Int])] {
        let (h, i, v) = (hiddenSize, intermediateSize, vocabularySize)
        let (q, kv) = (attentionHeads * headDimension, keyValueHeads * headDimension)
        var tensors: [(String, [Int])] = [("model.embed_tokens.weight", [v, h])]
        for layer in 0..<layerCount {
            let p = "model.layers.\(layer)."
            tensors += [(p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h]),
                        (p + "self_attn.q_proj.weight", [q, h]), (p + "self_attn.k_proj.weight", [kv, h]),
                        (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.o_proj.weight", [h, q]),
                        (p + "mlp.gate_proj.weight", [i, h]), (p + "mlp.up_proj.weight", [i, h]), (p + "mlp.down_proj.weight", [h, i])]
            if attentionBias {
                tensors += [(p + "self_attn.q_proj.bias", [q]), (p + "self_attn.k_proj.bias", [kv]), (p + "self_attn.v_proj.bias", [kv])]
                if modelType != "qwen2" { tensors.append((p + "self_attn.o_proj.bias", [h])) }
            }
            if mlpBias {
                tensors += [(p + "mlp.gate_proj.bias", [i]), (p + "mlp.up_proj.bias", [i]), (p + "mlp.down_proj.bias", [h])]
            }
        }
        tensors.append(("model.norm.weight", [h]))
        if !tieWordEmbeddings { tensors.append(("lm_head.weight", [v, h])) }
        return tensors
    }
}
