/// The parts a `MemoryPlan` splits a training run's device memory into. Each buffer the run
/// allocates belongs to exactly one part, so the parts at the peak add up to the total.
public enum MemoryPart: String, Sendable, CaseIterable, Comparable {
    /// The decoder blocks' Linear weights (frozen in LoRA: NF4, GGUF blocks, float16 or float32).
    case baseBlocks = "base_blocks"
    case baseEmbedding = "base_embedding"
    /// An untied LM head (a tied one reads the embedding).
    case baseLMHead = "base_lm_head"
    /// Norm weights, biases and RoPE's inverse frequencies, always float32.
    case baseOther = "base_norms_biases"
    /// The float32 buffer NF4 and GGUF weights are expanded into before each GEMM.
    case dequantizationScratch = "dequantization_scratch"
    /// LoRA's A and B.
    case loraParameters = "lora_parameters"
    /// Gradients of what is trained, and the gradient norm's partial sums.
    case gradients
    case adamWMoments = "adamw_moments"
    /// The hidden state entering each block (and leaving the last), kept for backward: the
    /// checkpointed activations.
    case blockInputs = "block_inputs"
    /// What a block's forward keeps for its backward, attention probabilities aside: one
    /// recomputed block with gradient checkpointing, every block without.
    case blockActivations = "block_activations"
    /// Attention probabilities (batch·heads·T² floats per block), and their gradient in backward.
    case attentionProbabilities = "attention_probabilities"
    /// A block's backward: the gradient of its output and the gradients of its inner activations.
    case blockBackward = "block_backward"
    /// One block of at most 256 positions of the LM head and cross-entropy: its logits and copies.
    case lmHeadBlock = "lm_head_block"
    /// Token ids, the final norm's output and its gradient, per-position losses.
    case lossBuffers = "loss_buffers"
    /// Buffers that live for one GEMM or one LoRA call: float16 weights widened to float32, NF4
    /// absmax dequantized, LoRA dropout copies, dT and the low-rank part of dX.
    case transients

    public static func < (lhs: MemoryPart, rhs: MemoryPart) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// A short name for tables.
    public var title: String {
        switch self {
        case .baseBlocks: return "base: block matrices"
        case .baseEmbedding: return "base: embedding"
        case .baseLMHead: return "base: LM head"
        case .baseOther: return "base: norms, biases, RoPE"
        case .dequantizationScratch: return "dequantization scratch"
        case .loraParameters: return "LoRA parameters (A, B)"
        case .gradients: return "gradients"
        case .adamWMoments: return "AdamW moments"
        case .blockInputs: return "block inputs"
        case .blockActivations: return "block activations"
        case .attentionProbabilities: return "attention probabilities"
        case .blockBackward: return "block backward buffers"
        case .lmHeadBlock: return "LM head + loss block"
        case .lossBuffers: return "final norm, ids, losses"
        case .transients: return "per-GEMM transients"
        }
    }
}

/// The stretches of a training run whose peaks a `MemoryPlan` reports.
public enum PlanPhase: String, Sendable, CaseIterable {
    /// Weights, adapters, optimizer state and the dequantization scratch: what is resident.
    case load
    /// The forward pass through the blocks.
    case forward
    /// The LM head and cross-entropy, a block of positions at a time.
    case head = "lm_head"
    /// The backward pass through the blocks (with their recomputation under checkpointing).
    case backward

    public var title: String {
        switch self {
        case .load: return "weights and optimizer state"
        case .forward: return "forward through the blocks"
        case .head: return "LM head and loss"
        case .backward: return "backward through the blocks"
        }
    }
}
