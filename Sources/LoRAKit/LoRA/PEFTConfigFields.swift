import Foundation

/// The fields of PEFT's adapter_config.json that LoRAKit reads, decoded leniently where PEFT's
/// own types are loose (target_modules may be a list or a regex string; init_lora_weights a
/// boolean or a method name).
struct PEFTConfigFields: Decodable {
    var peftType: String
    var r: Int
    var loraAlpha: Float
    var loraDropout: Float?
    var targetModules: [String]
    var useRSLoRA: Bool?
    var useDoRA: Bool?
    var fanInFanOut: Bool?
    var bias: String?
    var rankPattern: [String: Int]?
    var alphaPattern: [String: Float]?
    var modulesToSave: [String]?
    var initLoRAWeights: LoRAInitialization?
    var baseModelNameOrPath: String?

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", r, loraAlpha = "lora_alpha", loraDropout = "lora_dropout"
        case targetModules = "target_modules", useRSLoRA = "use_rslora", useDoRA = "use_dora"
        case fanInFanOut = "fan_in_fan_out", bias, rankPattern = "rank_pattern", alphaPattern = "alpha_pattern"
        case modulesToSave = "modules_to_save", initLoRAWeights = "init_lora_weights"
        case baseModelNameOrPath = "base_model_name_or_path"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decode(String.self, forKey: .peftType)
        r = try c.decode(Int.self, forKey: .r)
        loraAlpha = try c.decode(Float.self, forKey: .loraAlpha)
        loraDropout = try c.decodeIfPresent(Float.self, forKey: .loraDropout)
        if let list = try? c.decode([String].self, forKey: .targetModules) {
            targetModules = list.sorted()   // PEFT stores a set; its order carries no meaning
        } else {
            targetModules = [try c.decode(String.self, forKey: .targetModules)]
        }
        useRSLoRA = try c.decodeIfPresent(Bool.self, forKey: .useRSLoRA)
        useDoRA = try c.decodeIfPresent(Bool.self, forKey: .useDoRA)
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut)
        bias = try c.decodeIfPresent(String.self, forKey: .bias)
        rankPattern = try c.decodeIfPresent([String: Int].self, forKey: .rankPattern)
        alphaPattern = try c.decodeIfPresent([String: Float].self, forKey: .alphaPattern)
        modulesToSave = try c.decodeIfPresent([String].self, forKey: .modulesToSave)
        if let method = try? c.decode(String.self, forKey: .initLoRAWeights) {
            initLoRAWeights = method == "gaussian" ? .gaussian : .kaimingUniform
        } else {
            initLoRAWeights = .kaimingUniform
        }
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
    }

    func loraConfig(file: String) throws -> LoRAConfig {
        func unsupported(_ detail: String) -> PEFTAdapterError { .unsupported(file: file, detail: detail) }
        guard peftType == "LORA" else { throw PEFTAdapterError.invalid(file: file, detail: "peft_type is '\(peftType)', not LORA") }
        guard useDoRA != true else { throw unsupported("use_dora (DoRA) is not implemented") }
        guard fanInFanOut != true else { throw unsupported("fan_in_fan_out (GPT-2 Conv1D layout)") }
        guard bias == nil || bias == "none" else { throw unsupported("bias '\(bias!)' (only 'none')") }
        guard rankPattern?.isEmpty ?? true, alphaPattern?.isEmpty ?? true else { throw unsupported("rank_pattern or alpha_pattern (per-module ranks)") }
        guard modulesToSave?.isEmpty ?? true else { throw unsupported("modules_to_save \(modulesToSave!)") }
        let config = LoRAConfig(rank: r, alpha: loraAlpha, dropout: loraDropout ?? 0, useRSLoRA: useRSLoRA ?? false,
                                initialization: initLoRAWeights ?? .kaimingUniform, targetModules: targetModules)
        do { try config.validate() } catch {
            throw PEFTAdapterError.invalid(file: file, detail: "\(error)")
        }
        return config
    }

    /// The JSON object LoRAKit writes: PEFT's fields for a plain LoRA adapter.
    static func dictionary(for adapter: PEFTAdapter) -> [String: Any] {
        let config = adapter.config
        // Through the shortest decimal string, so 0.05 is written as 0.05, not 0.0500000007.
        func number(_ value: Float) -> Any { value.rounded() == value ? Int(value) as Any : Double(String(value))! as Any }
        return [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": config.rank, "lora_alpha": number(config.alpha),
            "lora_dropout": number(config.dropout), "target_modules": config.targetModules.sorted(),
            "bias": "none", "fan_in_fan_out": false, "use_rslora": config.useRSLoRA, "use_dora": false,
            "init_lora_weights": config.initialization == .gaussian ? "gaussian" as Any : true as Any,
            "modules_to_save": NSNull(), "rank_pattern": [String: Int](), "alpha_pattern": [String: Float](),
            "base_model_name_or_path": adapter.baseModelNameOrPath.map { $0 as Any } ?? NSNull(),
            "inference_mode": true, "peft_version": "0.21.2", "lora_bias": false, "layers_to_transform": NSNull(),
            "layers_pattern": NSNull(), "revision": NSNull(),
        ]
    }
}
