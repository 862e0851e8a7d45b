/// The allocations of one decoder block in a training step, made in the order `DecoderLayer`,
/// `Projection`, `LoRALinear`, `FrozenLinear` and `CausalAttention` make them: the forward
/// keeps its activations for backward (the block's cache), the backward allocates the
/// gradients of its inner activations and returns the gradient of its input.
struct BlockTrace {
    typealias Buffer = MemoryTrace.Buffer

    let trace: MemoryTrace
    let weights: PlannedWeights
    /// nil in full-parameter training, where every projection is trained.
    let lora: LoRAConfig?
    let batch: Int
    let length: Int
    let packing: Bool
    let attentionScoreBudgetBytes: Int
    /// `CausalAttention` on a `FusedAttentionDevice`: a log-sum-exp per row and head, no scores.
    let fusedAttention: Bool

    private var config: ModelConfig { weights.config }
    private var rows: Int { batch * length }
    private var scores: Int { batch * config.attentionHeads * length * length }
    /// `CausalAttention`'s score chunks under the budget: one (P kept for backward) or many.
    private var chunks: [ScoreChunk] {
        guard var attention = try? CausalAttention(heads: config.attentionHeads, keyValueHeads: config.keyValueHeads,
                                                   headDimension: config.headDimension, sequenceLength: length) else { return [] }
        attention.scoreBudgetBytes = attentionScoreBudgetBytes
        return attention.chunks(batch: batch)
    }
    private var group: Int { config.attentionHeads / config.keyValueHeads }
    private var dropout: Bool { (lora?.dropout ?? 0) > 0 }

    private func isLoRA(_ module: String) -> Bool { lora?.targetModules.contains(module) ?? false }

    /// (in, out) features of a projection.
    private func features(_ module: String) -> (in: Int, out: Int) {
        let (h, i) = (config.hiddenSize, config.intermediateSize)
        let (q, kv) = (config.attentionHeads * config.headDimension, config.keyValueHeads * config.headDimension)
        switch module {
        case "q_proj": return (h, q)
        case "k_proj", "v_proj": return (h, kv)
        case "o_proj": return (q, h)
        case "gate_proj", "up_proj": return (h, i)
        default: return (i, h)   // down_proj
        }
    }

    /// A training-mode projection: Y, and T = drop(X)·Aᵀ for a LoRA module.
    private func project(layer: Int, _ module: String, part: MemoryPart = .blockActivations) -> [Buffer] {
        let (inFeatures, outFeatures) = features(module)
        let y = trace.allocate(part, rows * outFeatures)
        guard let lora, isLoRA(module) else {
            trace.gemmTransients(weights.weight(layer: layer, module: module))
            return [y]
        }
        let dropped = dropout ? trace.allocate(.transients, rows * inFeatures) : nil
        let t = trace.allocate(.blockActivations, rows * lora.rank)
        trace.gemmTransients(weights.weight(layer: layer, module: module))
        trace.free(dropped)
        return [y, t]
    }

    /// A projection's backward into dX (`LoRALinear.backward` or the frozen/trained product).
    private func projectBackward(layer: Int, _ module: String, accumulate: Bool) {
        let weight = weights.weight(layer: layer, module: module)
        guard let lora, isLoRA(module) else { return trace.gemmTransients(weight) }
        let inFeatures = features(module).in
        let dT = trace.allocate(.transients, rows * lora.rank)
        let dropped = dropout ? trace.allocate(.transients, rows * inFeatures) : nil
        // With dropout, a gradient added into dX needs the masked low-rank term in its own
        // buffer, which lives only inside its `switch` case, before the base product.
        if dropout && accumulate { trace.transient(.transients, rows * inFeatures) }
        trace.gemmTransients(weight)
        trace.free(dT, dropped)
    }

    /// The block's training forward: its output (counted in `outputPart`) and the buffers its
    /// cache holds until backward.
    func forward(layer: Int, outputPart: MemoryPart) -> (output: Buffer, saved: [Buffer]) {
        let (n, h) = (rows, config.hiddenSize)
        var saved = [trace.allocate(.blockActivations, n * h), trace.allocate(.blockActivations, n)]   // norm, rstd
        for module in ["q_proj", "k_proj", "v_proj"] { saved += project(layer: layer, module) }
        saved.append(trace.allocate(.blockActivations, n * features("q_proj").out))   // attention output
        saved += attentionForward()
        saved += project(layer: layer, "o_proj")                                      // the residual
        saved += [trace.allocate(.blockActivations, n * h), trace.allocate(.blockActivations, n)]   // norm 2, rstd 2
        saved += project(layer: layer, "gate_proj") + project(layer: layer, "up_proj")
        saved.append(trace.allocate(.blockActivations, n * config.intermediateSize))   // SwiGLU
        let down = project(layer: layer, "down_proj", part: outputPart)
        return (down[0], saved + down.dropFirst())
    }

    /// `CausalAttention.forward`'s score matrices: P for every head, kept for backward when it
    /// fits the budget; else each chunk's in turn, dropped (with a chunk's own positions, packed).
    /// Fused, only the log-sum-exp per row and head, kept for backward.
    private func attentionForward() -> [Buffer] {
        if fusedAttention { return [trace.allocate(.blockActivations, rows * config.attentionHeads)] }
        let chunks = self.chunks
        guard chunks.count > 1 else { return [trace.allocate(.attentionProbabilities, scores)] }
        for chunk in chunks { trace.free(chunkProbabilities(chunk)) }
        return []
    }

    /// `CausalAttention.backward`'s: dP/dS beside the kept P, or per chunk P recomputed and dP/dS;
    /// nothing when fused.
    private func attentionBackward() {
        guard !fusedAttention else { return }
        let chunks = self.chunks
        guard chunks.count > 1 else { return trace.transient(.attentionProbabilities, scores) }
        for chunk in chunks {
            let p = chunkProbabilities(chunk)
            trace.transient(.attentionProbabilities, chunk.headCount(group) * length * length)
            trace.free(p)
        }
    }

    /// A chunk's probabilities buffer, after the positions copy its packed softmax makes and drops.
    private func chunkProbabilities(_ chunk: ScoreChunk) -> Buffer {
        let p = trace.allocate(.attentionProbabilities, chunk.headCount(group) * length * length)
        if packing { trace.transient(.attentionProbabilities, length) }
        return p
    }

    /// The block's backward given the gradient of its output: returns the gradient of its input
    /// (dResidual); everything else it allocated is freed when it returns.
    func backward(layer: Int) -> Buffer {
        let (n, h, i) = (rows, config.hiddenSize, config.intermediateSize)
        let (q, kv) = (features("q_proj").out, features("k_proj").out)
        let dResidual = trace.allocate(.blockBackward, n * h)
        var buffers = [trace.allocate(.blockBackward, n * i)]                      // dActivation
        projectBackward(layer: layer, "down_proj", accumulate: false)
        buffers += [trace.allocate(.blockBackward, n * i), trace.allocate(.blockBackward, n * i)]   // dGate, dUp
        buffers.append(trace.allocate(.blockBackward, n * h))                      // dH2
        projectBackward(layer: layer, "gate_proj", accumulate: false)
        projectBackward(layer: layer, "up_proj", accumulate: true)
        buffers.append(trace.allocate(.blockBackward, n * q))                      // dAttended
        projectBackward(layer: layer, "o_proj", accumulate: false)
        buffers += [trace.allocate(.blockBackward, n * q), trace.allocate(.blockBackward, n * kv), trace.allocate(.blockBackward, n * kv)]
        attentionBackward()
        buffers.append(trace.allocate(.blockBackward, n * h))                      // dH
        projectBackward(layer: layer, "q_proj", accumulate: false)
        projectBackward(layer: layer, "k_proj", accumulate: true)
        projectBackward(layer: layer, "v_proj", accumulate: true)
        trace.free(buffers)
        return dResidual
    }
}

extension MemoryTrace {
    /// What one GEMM over `weight` allocates for its duration: a double-quantized NF4 weight's
    /// absmax (the codes expand, and 16-bit weights widen, into the resident scratch). A float32
    /// weight needs nothing.
    func gemmTransients(_ weight: PlannedTensor) {
        if weight.absmaxTransient > 0 { transient(.transients, weight.absmaxTransient) }
    }
}
