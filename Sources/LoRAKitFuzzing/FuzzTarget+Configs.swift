import Foundation
import LoRAKit
import LoRAKitTokenizers

extension FuzzTarget {
    /// A model's config.json, with the tensor list its shape implies.
    static let modelConfig = FuzzTarget(name: "config", summary: "a model config.json") { data in
        let config = try ModelConfig.parse(data, file: "fuzz/config.json")
        try config.validateTargets(ModelConfig.linearModules)
    }

    /// A PEFT adapter_config.json.
    static let adapterConfig = FuzzTarget(name: "adapter-config", summary: "a PEFT adapter_config.json") { data in
        _ = try PEFTAdapter.parseConfig(data, file: "fuzz/adapter_config.json")
    }

    /// A tokenizer_config.json (special tokens, chat template, flags).
    static let tokenizerConfig = FuzzTarget(name: "tokenizer-config", summary: "a tokenizer_config.json") { data in
        _ = try TokenizerConfig(json: data, path: "fuzz/tokenizer_config.json")
    }
}
