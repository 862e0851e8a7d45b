extension LoRALinear {
    /// Gradients of a training forward given dY (rows×out):
    ///
    ///     dT = s·dY·B              dB (+)= s·dYᵀ·T          dA (+)= dTᵀ·drop(X)
    ///     dX (+)= dY·W + mask ⊙ (dT·A)/(1 − p)
    ///
    /// into `gradA`/`gradB` (per `parameterUpdate`) and, when `inputGradient` is given (rows×in),
    /// into it (per `inputUpdate`). W never gets a gradient.
    public func backward(outputGradient dY: DeviceBuffer, saved: LoRASavedState,
                         parameterUpdate: GradientUpdate = .overwrite,
                         inputGradient dX: DeviceBuffer? = nil, inputUpdate: GradientUpdate = .overwrite) throws {
        guard !isMerged else {
            throw LoRAError.invalidState("the adapter of \(name) is merged into the base; unmerge it before training")
        }
        let rows = saved.rows, r = rank
        try checkMatrix(dY, "output gradient dY", rows: rows, columns: outFeatures)
        try checkMatrix(saved.input, "saved input X", rows: rows, columns: inFeatures)
        try checkMatrix(saved.t, "saved T", rows: rows, columns: r)
        if let dX { try checkMatrix(dX, "input gradient dX", rows: rows, columns: inFeatures) }
        let s = scale
        let parameterBeta: Float = parameterUpdate == .accumulate ? 1 : 0

        // dT = s·dY·B   (rows×r)
        let dT = try device.makeBuffer(.float32, count: rows * r, label: "\(name).dT", contents: .unspecified)
        try device.gemm(m: rows, n: r, k: outFeatures, a: dY, b: loraB, c: dT, alpha: s)
        // dB = s·dYᵀ·T  (out×r)
        try device.gemm(m: outFeatures, n: r, k: rows, a: dY, b: saved.t, c: gradB, transposeA: true, alpha: s, beta: parameterBeta)
        // dA = dTᵀ·drop(X)  (r×in), with drop(X) regenerated from its key
        var branchInput = saved.input
        if let key = saved.dropoutKey {
            branchInput = try device.makeBuffer(.float32, count: saved.input.count, label: "\(name).dropout(X)", contents: .unspecified)
            try device.dropout(saved.input, into: branchInput, probability: config.dropout, key: key)
        }
        try device.gemm(m: r, n: inFeatures, k: rows, a: dT, b: branchInput, c: gradA, transposeA: true, beta: parameterBeta)

        guard let dX else { return }
        // The low-rank term first, then the base product accumulates into dX (beta = 1).
        switch (saved.dropoutKey, inputUpdate) {
        case (nil, _):
            try device.gemm(m: rows, n: inFeatures, k: r, a: dT, b: loraA, c: dX, beta: inputUpdate == .accumulate ? 1 : 0)
        case (let key?, .overwrite):
            try device.gemm(m: rows, n: inFeatures, k: r, a: dT, b: loraA, c: dX)
            try device.dropout(dX, into: dX, probability: config.dropout, key: key)
        case (let key?, .accumulate):
            let lowRank = try device.makeBuffer(.float32, count: rows * inFeatures, label: "\(name).dX low-rank", contents: .unspecified)
            try device.gemm(m: rows, n: inFeatures, k: r, a: dT, b: loraA, c: lowRank)
            try device.dropout(lowRank, into: lowRank, probability: config.dropout, key: key)
            try device.axpy(alpha: 1, x: lowRank, y: dX)
        }
        try base.multiplyTransposed(dY, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures, into: dX, beta: 1, scratch: scratch)
    }

    /// Sets gradA and gradB to zero (before the first micro-batch of an optimizer step).
    public func zeroGradients() throws {
        try device.fill(gradA, with: 0)
        try device.fill(gradB, with: 0)
    }
}
