/// A published model's shape, to plan its memory without its weights: the fields of its
/// Hugging Face config.json (copied from the published file) and the dtype its checkpoint
/// stores. The `lorakit-bench train` shapes (random float32 Llamas) are here too.
public struct ModelShape: Sendable {
    public let name: String
    /// Where the numbers come from.
    public let source: String
    public let config: ModelConfig
    public let storedDType: SafeTensorsDType

    init(_ name: String, _ source: String, _ dtype: SafeTensorsDType, _ fields: [String: Any]) {
        self.name = name
        self.source = source
        storedDType = dtype
        // The fields are constants checked by the tests; a failure here is a typo in this file.
        config = try! ModelConfig(json: fields, file: "(built-in shape \(name))")
    }

    /// The shapes `--shape` accepts, in the order `lorakit plan --help` lists them.
    public static let all: [ModelShape] = published + benchmark

    public static func named(_ name: String) throws -> ModelShape {
        guard let shape = all.first(where: { $0.name == name }) else {
            throw MemoryPlanError.unknownShape(name: name, available: all.map(\.name))
        }
        return shape
    }

    private static func llama(_ hidden: Int, _ intermediate: Int, _ layers: Int, _ heads: Int, _ kvHeads: Int, _ vocabulary: Int,
                              type: String = "llama", tied: Bool = false, positions: Int, theta: Double, epsilon: Double,
                              extra: [String: Any] = [:]) -> [String: Any] {
        ["model_type": type, "hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": layers,
         "num_attention_heads": heads, "num_key_value_heads": kvHeads, "vocab_size": vocabulary, "tie_word_embeddings": tied,
         "max_position_embeddings": positions, "rope_theta": theta, "rms_norm_eps": epsilon].merging(extra) { $1 }
    }

    static let published: [ModelShape] = [
        ModelShape("llama-3-8b", "meta-llama/Meta-Llama-3-8B", .bf16,
                   llama(4096, 14336, 32, 32, 8, 128256, positions: 8192, theta: 500_000, epsilon: 1e-5)),
        ModelShape("llama-2-7b", "meta-llama/Llama-2-7b-hf", .f16,
                   llama(4096, 11008, 32, 32, 32, 32000, positions: 4096, theta: 10_000, epsilon: 1e-5)),
        ModelShape("mistral-7b", "mistralai/Mistral-7B-v0.1", .bf16,
                   llama(4096, 14336, 32, 32, 8, 32000, type: "mistral", positions: 32768, theta: 10_000, epsilon: 1e-5)),
        ModelShape("qwen2.5-7b", "Qwen/Qwen2.5-7B", .bf16,
                   llama(3584, 18944, 28, 28, 4, 152064, type: "qwen2", positions: 131072, theta: 1_000_000, epsilon: 1e-6)),
        ModelShape("llama-3.2-1b", "meta-llama/Llama-3.2-1B", .bf16,
                   llama(2048, 8192, 16, 32, 8, 128256, tied: true, positions: 131072, theta: 500_000, epsilon: 1e-5,
                         extra: ["head_dim": 64, "rope_scaling": ["rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192]])),
        ModelShape("llama-3-70b", "meta-llama/Meta-Llama-3-70B", .bf16,
                   llama(8192, 28672, 80, 64, 8, 128256, positions: 8192, theta: 500_000, epsilon: 1e-5)),
    ]

    /// `lorakit-bench train --model …`: float32, untied, a byte vocabulary except small32k's.
    static let benchmark: [ModelShape] = [
        ModelShape("tiny", "lorakit-bench train --model tiny (the tests' tiny Llama)", .f32,
                   llama(64, 96, 2, 4, 2, 256, positions: 4096, theta: 10_000, epsilon: 1e-5)),
        ModelShape("bundled", "lorakit-bench train --model bundled (Bundled/kjv-llama-3m)", .f32,
                   llama(256, 688, 4, 8, 4, 256, positions: 4096, theta: 10_000, epsilon: 1e-5)),
        ModelShape("100m", "lorakit-bench train --model 100m", .f32,
                   llama(768, 2048, 12, 12, 4, 256, positions: 4096, theta: 10_000, epsilon: 1e-5)),
        ModelShape("small32k", "lorakit-bench train --model small32k", .f32,
                   llama(512, 1376, 8, 8, 2, 32000, positions: 4096, theta: 10_000, epsilon: 1e-5)),
    ]
}
