import Foundation

/// A freshly initialised Llama checkpoint, the starting point of full-parameter pretraining:
/// every matrix N(0, 0.02²) (transformers' `initializer_range` for LlamaForCausalLM), norm weights
/// one, biases none. Values come from seeded Philox streams, one per tensor, so the same shape
/// and seed give the same bytes on every machine.
public struct RandomCheckpoint: Sendable {
    public var hiddenSize = 256
    public var intermediateSize = 688
    public var layerCount = 4
    public var attentionHeads = 8
    public var keyValueHeads = 4
    public var vocabularySize = 256
    public var maxPositionEmbeddings = 1024
    public var ropeTheta: Double = 10_000
    public var rmsNormEpsilon: Double = 1e-5
    public var tieWordEmbeddings = false
    public var initializerRange = 0.02

    public init() {}

    /// config.json's fields, as transformers writes them for LlamaForCausalLM.
    var configJSON: [String: Any] {
        ["architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hiddenSize,
         "intermediate_size": intermediateSize, "num_hidden_layers": layerCount, "num_attention_heads": attentionHeads,
         "num_key_value_heads": keyValueHeads, "head_dim": hiddenSize / max(1, attentionHeads), "vocab_size": vocabularySize,
         "max_position_embeddings": maxPositionEmbeddings, "rms_norm_eps": rmsNormEpsilon,
         "rope_parameters": ["rope_theta": ropeTheta, "rope_type": "default"], "tie_word_embeddings": tieWordEmbeddings,
         "attention_bias": false, "mlp_bias": false, "hidden_act": "silu", "initializer_range": initializerRange,
         "dtype": "float32", "bos_token_id": NSNull(), "eos_token_id": NSNull(), "pad_token_id": NSNull()]
    }

    /// Writes config.json and model.safetensors into `folder` (which must be empty or absent) and
    /// returns the loaded checkpoint. The configuration is validated before anything is drawn.
    @discardableResult
    public func write(to folder: URL, seed: UInt64) throws -> ModelCheckpoint {
        guard hiddenSize % max(1, attentionHeads) == 0 else {
            throw ModelError.invalidConfig(file: folder.path, field: "hidden_size",
                                           detail: "\(hiddenSize) is not a multiple of num_attention_heads \(attentionHeads)")
        }
        let config = try ModelConfig(json: configJSON, file: folder.appendingPathComponent("config.json").path)
        let manager = FileManager.default
        if let contents = try? manager.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            throw ModelError.invalidConfig(file: folder.path, field: "--out", detail: "is not empty; refusing to overwrite")
        }
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (index, tensor) in config.expectedTensors.enumerated() {
            let count = tensor.shape.reduce(1, *)
            let values = tensor.shape.count == 1
                ? [Float](repeating: 1, count: count)
                : ParameterInitializer(seed: seed, stream: UInt32(index)).normal(count: count, standardDeviation: Float(initializerRange))
            try writer.add(.init(name: tensor.name, shape: tensor.shape, floats: values))
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        try JSONSerialization.data(withJSONObject: configJSON, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"), options: .atomic)
        return try ModelCheckpoint(folder: folder)
    }
}
