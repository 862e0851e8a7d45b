/// What a model's frozen weights occupy on its device, by storage: the figure a BF16 or NF4
/// base saves, and what a memory plan starts from.
extension LlamaModel {
    /// Bytes of every frozen tensor on the device (the embedding, LM head, Linear weights, norms
    /// and biases) keyed by storage: "float32", "float16", "bfloat16", "NF4" or "GGUF <type>". A tied
    /// LM head is the embedding, counted once. Empty in full-parameter training, where nothing is frozen.
    public var frozenBytes: [String: Int] {
        guard !fullParameter else { return [:] }
        var bytes: [String: Int] = [:]
        func add(_ weight: FrozenWeight) { bytes[weight.storageName, default: 0] += weight.deviceBytes }
        func add(_ buffer: DeviceBuffer?) { buffer.map { add(.dense($0)) } }
        add(embedding)
        add(finalNorm)
        if !config.tieWordEmbeddings, case .frozen(let head) = lmHead { add(head.weight) }
        for layer in layers {
            add(layer.inputNorm)
            add(layer.postAttentionNorm)
            for projection in layer.projections.values {
                switch projection {
                case .lora(let lora): add(lora.base); add(lora.bias)
                case .frozen(let frozen): add(frozen.weight); add(frozen.bias)
                case .trainable: break
                }
            }
        }
        return bytes
    }
}
