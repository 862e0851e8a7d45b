/// Whether a forward pass trains (dropout on, with the mask of optimizer step `step`) or not.
public enum LoRAMode: Sendable, Equatable {
    case training(step: UInt32)
    case inference
}

/// What a training forward keeps for backward: T = drop(X)·Aᵀ (rows×r) and how to regenerate
/// the mask. The input X itself is not copied: it must be unchanged when `backward` runs.
public struct LoRASavedState {
    public let input: DeviceBuffer
    public let rows: Int
    public let t: DeviceBuffer
    public let dropoutKey: DropoutKey?
}

extension LoRALinear {
    /// Y (rows×out) for X (rows×in). In training mode the result also carries what `backward`
    /// needs. Writes into `output` when given (rows×out float32), else into a new buffer.
    public func forward(_ x: DeviceBuffer, rows: Int, mode: LoRAMode = .inference,
                        into output: DeviceBuffer? = nil) throws -> (output: DeviceBuffer, saved: LoRASavedState?) {
        guard rows >= 1 else { throw LoRAError.invalidInput("rows (tokens) must be at least 1, got \(rows)") }
        try checkMatrix(x, "input X", rows: rows, columns: inFeatures)
        let y = try output ?? device.makeBuffer(.float32, count: rows * outFeatures, label: "\(name).output", contents: .unspecified)
        try checkMatrix(y, "output Y", rows: rows, columns: outFeatures)
        if isMerged {
            guard mode == .inference else {
                throw LoRAError.invalidState("the adapter of \(name) is merged into the base; unmerge it before training")
            }
            try mergedForward(x, rows: rows, into: y)
            return (y, nil)
        }

        let r = rank
        var savedKey: DropoutKey?
        var branchInput = x
        if case .training(let step) = mode, config.dropout > 0 {
            let key = dropoutKey(step: step)
            branchInput = try device.makeBuffer(.float32, count: x.count, label: "\(name).dropout(X)", contents: .unspecified)
            try device.dropout(x, into: branchInput, probability: config.dropout, key: key)
            savedKey = key
        }
        let t = try device.makeBuffer(.float32, count: rows * r, label: "\(name).T", contents: .unspecified)
        // T = drop(X)·Aᵀ
        try device.gemm(m: rows, n: r, k: inFeatures, a: branchInput, b: loraA, c: t, transposeB: true)
        // Y = bias + s·T·Bᵀ, written once
        try device.loraExpand(t: t, b: loraB, bias: bias, scale: scale, rows: rows, outFeatures: outFeatures, rank: r, into: y)
        // Y += X·Wᵀ
        try baseProduct(x, rows: rows, into: y, beta: 1)
        if case .inference = mode { return (y, nil) }
        return (y, LoRASavedState(input: x, rows: rows, t: t, dropoutKey: savedKey))
    }

    /// Y = X·W'ᵀ + bias with the adapter folded into W'.
    private func mergedForward(_ x: DeviceBuffer, rows: Int, into y: DeviceBuffer) throws {
        var beta: Float = 0
        if let bias {
            try device.broadcastRows(bias, rows: rows, into: y)   // the base GEMM accumulates onto it
            beta = 1
        }
        try baseProduct(x, rows: rows, into: y, beta: beta)
    }
}
