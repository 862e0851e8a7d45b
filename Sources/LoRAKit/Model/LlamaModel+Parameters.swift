/// What the optimizer updates, and the order in which the backward pass finishes it.
extension LlamaModel {
    /// Every LoRA layer's A and B (named `<module path>.lora_A` and `.lora_B`), or in
    /// full-parameter training every tensor of the checkpoint under its Hugging Face name (a tied
    /// LM head shares the embedding's entry): the embedding, each layer's, then the final norm and LM head.
    public var trainableParameters: [TrainableParameter] {
        embeddingParameters + layers.flatMap(parameters(of:)) + headParameters
    }

    /// The same parameters grouped as `lossAndGradients` finishes their gradients and tells its
    /// observer: the final norm and LM head, each decoder layer from the last to the first, the
    /// embedding (which a tied LM head's gradient is part of). A group may be empty.
    public var gradientStages: [[TrainableParameter]] {
        [headParameters] + layers.reversed().map(parameters(of:)) + [embeddingParameters]
    }

    /// The embedding table, in full-parameter training.
    var embeddingParameters: [TrainableParameter] {
        guard let embeddingGradient else { return [] }
        return [TrainableParameter(name: "model.embed_tokens.weight", value: embedding, gradient: embeddingGradient, decays: true)]
    }

    /// The final norm and an untied LM head, in full-parameter training.
    var headParameters: [TrainableParameter] {
        guard let finalNormGradient else { return [] }
        let norm = TrainableParameter(name: "model.norm.weight", value: finalNorm, gradient: finalNormGradient, decays: false)
        return [norm] + (config.tieWordEmbeddings ? [] : Self.parameters(of: lmHead, name: "lm_head"))
    }

    /// A decoder layer's norms (when trained) and its projections' parameters, in module order.
    func parameters(of layer: DecoderLayer) -> [TrainableParameter] {
        var parameters: [TrainableParameter] = []
        let prefix = "model.layers.\(layer.index)."
        if let norms = layer.normGradients {
            parameters.append(TrainableParameter(name: prefix + "input_layernorm.weight", value: layer.inputNorm, gradient: norms.input, decays: false))
            parameters.append(TrainableParameter(name: prefix + "post_attention_layernorm.weight", value: layer.postAttentionNorm,
                                                 gradient: norms.postAttention, decays: false))
        }
        for module in ModelConfig.linearModules {
            parameters += Self.parameters(of: layer.projections[module]!, name: ModelConfig.modulePath(layer: layer.index, module: module))
        }
        return parameters
    }

    /// A LoRA module's A and B, a trained Linear's weight (and bias); nothing for a frozen one.
    private static func parameters(of projection: Projection, name: String) -> [TrainableParameter] {
        switch projection {
        case .lora(let layer):
            return [TrainableParameter(name: name + ".lora_A", value: layer.loraA, gradient: layer.gradA, decays: true),
                    TrainableParameter(name: name + ".lora_B", value: layer.loraB, gradient: layer.gradB, decays: true)]
        case .trainable(let layer):
            let weight = TrainableParameter(name: name + ".weight", value: layer.weight, gradient: layer.weightGradient, decays: true)
            guard let bias = layer.bias, let gradient = layer.biasGradient else { return [weight] }
            return [weight, TrainableParameter(name: name + ".bias", value: bias, gradient: gradient, decays: false)]
        case .frozen:
            return []
        }
    }
}
