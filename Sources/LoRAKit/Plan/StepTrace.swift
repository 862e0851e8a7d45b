/// A training run's device memory replayed into a `MemoryTrace`: what `LlamaModel` and
/// `Trainer` keep resident, then one step of `LlamaModel.lossAndGradients` (embedding, the
/// blocks' forward, `headLoss`, the blocks' backward with their recomputation under
/// checkpointing) in the order the code allocates and frees. The optimizer update itself
/// allocates nothing.
struct StepTrace {
    let weights: PlannedWeights
    let lora: LoRAConfig?
    let batch: Int
    let length: Int
    let checkpointing: Bool
    let packing: Bool
    let attentionScoreBudgetBytes: Int
    let fusedAttention: Bool
    let trace = MemoryTrace()

    private var config: ModelConfig { weights.config }
    private var rows: Int { batch * length }
    private var block: BlockTrace {
        BlockTrace(trace: trace, weights: weights, lora: lora, batch: batch, length: length, packing: packing,
                   attentionScoreBudgetBytes: attentionScoreBudgetBytes, fusedAttention: fusedAttention)
    }

    /// Runs the whole replay: resident state, then one step.
    func run() {
        loadResident()
        step()
    }

    /// The trainable parameters' element counts, as `LlamaModel.trainableParameters` lists them.
    var trainableCounts: [Int] {
        guard let lora else { return config.expectedTensors.map { $0.shape.reduce(1, *) } }
        let perLayer = ModelConfig.linearModules.filter(lora.targetModules.contains).flatMap { module -> [Int] in
            let shape = config.expectedTensors.first { $0.name == ModelConfig.modulePath(layer: 0, module: module) + ".weight" }!.shape
            return [lora.rank * shape[1], shape[0] * lora.rank]   // A: r×in, B: out×r
        }
        return Array(repeating: perLayer, count: config.layerCount).flatMap { $0 }
    }

    /// Weights, adapters, gradients, AdamW moments, the gradient norm's partial sums and the
    /// dequantization scratch at its full size (it reaches it in the first forward).
    private func loadResident() {
        trace.phase = .load
        for (name, tensor) in weights.tensors { trace.allocate(PlannedWeights.part(of: name), tensor.deviceBytes, bytesEach: 1) }
        trace.allocate(.baseOther, config.headDimension / 2)   // RoPE's inverse frequencies
        let counts = trainableCounts
        for count in counts {
            if lora != nil { trace.allocate(.loraParameters, count) }
            trace.allocate(.gradients, count)
            trace.allocate(.adamWMoments, count)
            trace.allocate(.adamWMoments, count)
        }
        trace.allocate(.gradients, counts.reduce(0) { $0 + min(64, max(1, $1 >> 16)) })   // GradientNorm's partials
        if lora == nil {
            // A trained bias keeps a column of ones (one per row) for its gradient's row sum.
            let biases = config.expectedTensors.filter { $0.shape.count == 1 && $0.name.hasSuffix(".bias") }.count
            trace.allocate(.gradients, biases * rows)
        }
        trace.allocate(.dequantizationScratch, weights.scratchElements)
    }

    /// One call of `lossAndGradients` on a batch of `batch` sequences of `length` tokens.
    private func step() {
        let (n, h) = (rows, config.hiddenSize)
        trace.phase = .forward
        var held = [trace.allocate(.lossBuffers, packing ? n : 0), trace.allocate(.lossBuffers, n)]   // positions, ids
        held.append(trace.allocate(.blockInputs, n * h))                                               // the embedding's output
        var caches: [[MemoryTrace.Buffer]] = []
        for layer in 0..<config.layerCount {
            let (output, saved) = block.forward(layer: layer, outputPart: .blockInputs)
            held.append(output)
            if checkpointing { trace.free(saved) } else { caches.append(saved) }
        }
        trace.phase = .head
        held += [trace.allocate(.lossBuffers, n * h), trace.allocate(.lossBuffers, n), trace.allocate(.lossBuffers, n * h)]   // normed, rstd, dNormed
        held.append(headLoss())
        var dx = trace.allocate(.blockBackward, n * h)                                                  // dHidden
        trace.phase = .backward
        for layer in (0..<config.layerCount).reversed() {
            var saved: [MemoryTrace.Buffer]
            if checkpointing {
                let recomputed = block.forward(layer: layer, outputPart: .blockActivations)
                trace.free(recomputed.output)   // only the cache is kept
                saved = recomputed.saved
            } else {
                saved = caches.removeLast()
            }
            let dInput = block.backward(layer: layer)
            trace.free(dx)
            dx = dInput
            trace.free(saved)
        }
        trace.free(held + [dx])
    }

    /// `LlamaModel.headLoss` with gradients: the losses buffer, and per block of at most 256
    /// positions a copy of its rows, its logits, losses, labels and dInput (none copied when one
    /// block covers every row). Every block is assumed to have a position with a loss.
    private func headLoss() -> MemoryTrace.Buffer {
        let (n, h, vocabulary) = (rows, config.hiddenSize, config.vocabularySize)
        let losses = trace.allocate(.lossBuffers, n)
        let blockRows = max(1, min(256, n))
        for first in stride(from: 0, to: n, by: blockRows) {
            let count = min(n, first + blockRows) - first
            let whole = count == n
            let input = whole ? nil : trace.allocate(.lmHeadBlock, count * h)
            let logits = trace.allocate(.lmHeadBlock, count * vocabulary)
            headGEMM()
            let blockLosses = whole ? nil : trace.allocate(.lmHeadBlock, count)
            trace.transient(.lmHeadBlock, count)   // the block's labels, for the cross-entropy call
            let dInput = whole ? nil : trace.allocate(.lmHeadBlock, count * h)
            headGEMM()
            trace.free(input, logits, blockLosses, dInput)
        }
        return losses
    }

    /// A GEMM over the LM head's weight (a trained head is float32 and needs nothing).
    private func headGEMM() {
        trace.gemmTransients(weights.head)
    }
}
