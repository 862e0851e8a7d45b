/// The LM head and cross-entropy of training and evaluation, a block of rows at a time: logits
/// exist for at most `lossBlockRows` positions at once (rows × vocabulary floats: 33 MiB for 256
/// rows of a 32000-token vocabulary, against 131 MiB for the 1024 positions of a 4×256 batch and
/// 1 GiB for 2048 positions of Llama 3's 128256). Each block's loss lands in one losses buffer
/// and its logit gradient is folded into the hidden-state gradient before the next block is
/// computed. Blocks whose positions are all ignored (label −100) are skipped.
extension LlamaModel {
    /// Per-position losses (rows, 0 where ignored) for the final normed hidden states `normed`
    /// (rows×hidden). With `dNormed`, also writes ∂(Σ losses·gradientScale)/∂normed into it and
    /// accumulates the LM head's weight gradient in full-parameter training.
    func headLoss(normed: DeviceBuffer, labels: [Int32], rows: Int, gradientScale: Float,
                  dNormed: DeviceBuffer?) throws -> DeviceBuffer {
        let hidden = config.hiddenSize
        let losses = try device.makeBuffer(.float32, count: rows, label: "losses")
        let blockRows = max(1, min(lossBlockRows, rows))
        for first in stride(from: 0, to: rows, by: blockRows) {
            let block = first..<min(rows, first + blockRows)
            let blockLabels = Array(labels[block])
            guard blockLabels.contains(where: { $0 != -100 }) else { continue }   // losses and dNormed stay 0
            let whole = block.count == rows
            let input = whole ? normed : try rowsOf(normed, block, columns: hidden, label: "final norm block")
            let logits = try lmHead.forward(input, rows: block.count, mode: .inference).0
            let blockLosses = whole ? losses : try device.makeBuffer(.float32, count: block.count, label: "losses block")
            try device.crossEntropy(logits: logits, labels: device.makeBuffer(blockLabels, label: "labels"), rows: block.count,
                                    vocabulary: config.vocabularySize, gradientScale: gradientScale, losses: blockLosses,
                                    logitsGradient: dNormed == nil ? nil : logits)
            if !whole { try device.copy(from: blockLosses, range: 0..<block.count, to: losses, at: first) }
            guard let dNormed else { continue }
            let dInput = whole ? dNormed : try device.makeBuffer(.float32, count: block.count * hidden, label: "dNormed block")
            try lmHead.backward(logits, saved: nil, input: input, rows: block.count, into: dInput, update: .overwrite)
            if !whole { try device.copy(from: dInput, range: 0..<dInput.count, to: dNormed, at: first * hidden) }
        }
        return losses
    }

    /// Σ losses / tokens, read back once and summed in double precision (0 when no position has
    /// a loss: every label ignored).
    static func meanLoss(_ losses: DeviceBuffer, tokens: Int) throws -> Double {
        let values: [Float] = try losses.download()
        return values.reduce(0.0) { $0 + Double($1) } / Double(max(1, tokens))
    }

    /// A copy of rows `block` of the rows×columns matrix `x`.
    private func rowsOf(_ x: DeviceBuffer, _ block: Range<Int>, columns: Int, label: String) throws -> DeviceBuffer {
        let copy = try device.makeBuffer(.float32, count: block.count * columns, label: label)
        try device.copy(from: x, range: (block.lowerBound * columns)..<(block.upperBound * columns), to: copy, at: 0)
        return copy
    }
}
