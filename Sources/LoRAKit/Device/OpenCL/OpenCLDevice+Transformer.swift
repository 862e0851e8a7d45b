extension OpenCLDevice {
    public func rmsNorm(_ x: DeviceBuffer, weight: DeviceBuffer, epsilon: Float, rows: Int, columns: Int,
                        into y: DeviceBuffer, rstd: DeviceBuffer) throws {
        try TransformerContract.rmsNorm(x: x, weight: weight, y: y, rstd: rstd, rows: rows, columns: columns, epsilon: epsilon, on: self)
        try launch("transformer_rmsnorm", program: "transformer",
                   arguments: [.int(Int32(columns)), .float(epsilon), .buffer(x), .buffer(weight), .buffer(y), .buffer(rstd)],
                   over: .groups(rows))
    }

    public func rmsNormBackward(_ dy: DeviceBuffer, x: DeviceBuffer, weight: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                                into dx: DeviceBuffer, update: GradientUpdate) throws {
        try TransformerContract.rmsNormBackward(dy: dy, x: x, weight: weight, rstd: rstd, dx: dx, rows: rows, columns: columns, on: self)
        try launch("transformer_rmsnorm_backward", program: "transformer",
                   arguments: [.int(Int32(columns)), .int(update == .accumulate ? 1 : 0), .buffer(dy), .buffer(x), .buffer(weight),
                               .buffer(rstd), .buffer(dx)],
                   over: .groups(rows))
    }

    /// Row blocks of the norm weight's two-pass gradient (Kernels/transformer.cl): a constant of
    /// the op, not of the device, so every device and run sums in the same order.
    static let normGradientRowBlocks = 64

    public func rmsNormWeightGradient(_ dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                                      into dw: DeviceBuffer, update: GradientUpdate) throws {
        try TransformerContract.rmsNormWeightGradient(dy: dy, x: x, rstd: rstd, dw: dw, rows: rows, columns: columns, on: self)
        let blocks = Self.normGradientRowBlocks
        // From the buffer pool: a training step asks for the same size every time and reuses it.
        let partials = try makeBuffer(.float32, count: blocks * columns, label: "rmsNormWeightGradient partials")
        try launch("transformer_rmsnorm_weight_gradient_partials", program: "transformer",
                   arguments: [.int(Int32(rows)), .int(Int32(columns)), .int(Int32(blocks)), .buffer(dy), .buffer(x), .buffer(rstd),
                               .buffer(partials)],
                   over: .grid(columns: columns, rows: blocks))
        try launch("transformer_rmsnorm_weight_gradient", program: "transformer",
                   arguments: [.int(Int32(columns)), .int(Int32(blocks)), .int(update == .accumulate ? 1 : 0), .buffer(partials), .buffer(dw)],
                   over: .items(columns))
    }

    public func swiglu(gate: DeviceBuffer, up: DeviceBuffer, into out: DeviceBuffer) throws {
        try TransformerContract.swiglu([("gate", gate), ("up", up), ("out", out)], operation: "swiglu", on: self)
        try launch("transformer_swiglu", program: "transformer",
                   arguments: [.ulong(UInt64(gate.count)), .buffer(gate), .buffer(up), .buffer(out)],
                   over: .items(gate.count))
    }

    public func swigluBackward(_ dOut: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, gateGradient: DeviceBuffer, upGradient: DeviceBuffer) throws {
        try TransformerContract.swiglu([("dOut", dOut), ("gate", gate), ("up", up), ("gateGradient", gateGradient), ("upGradient", upGradient)],
                                       operation: "swigluBackward", on: self)
        try launch("transformer_swiglu_backward", program: "transformer",
                   arguments: [.ulong(UInt64(dOut.count)), .buffer(dOut), .buffer(gate), .buffer(up), .buffer(gateGradient), .buffer(upGradient)],
                   over: .items(dOut.count))
    }

    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int, inverseFrequencies: DeviceBuffer,
                     inverse: Bool, positionOffset: Int) throws {
        try TransformerContract.rope(x: x, rows: rows, heads: heads, headDimension: headDimension, sequenceLength: sequenceLength,
                                     inverseFrequencies: inverseFrequencies, positionOffset: positionOffset, on: self)
        let pairs = rows * heads * headDimension / 2
        try launch("transformer_rope", program: "transformer",
                   arguments: [.ulong(UInt64(pairs)), .int(Int32(heads)), .int(Int32(headDimension)), .int(Int32(sequenceLength)),
                               .int(Int32(positionOffset)), .buffer(inverseFrequencies), .float(inverse ? -1 : 1), .buffer(x)],
                   over: .items(pairs))
    }
}

extension OpenCLDevice {
    public func causalSoftmax(_ scores: DeviceBuffer, groups: Int, rows: Int, columns: Int, scale: Float,
                              into probabilities: DeviceBuffer) throws {
        try TransformerContract.causalSoftmax([("scores", scores), ("probabilities", probabilities)], groups: groups, rows: rows,
                                              columns: columns, operation: "causalSoftmax", on: self)
        try launch("transformer_causal_softmax", program: "transformer",
                   arguments: [.int(Int32(rows)), .int(Int32(columns)), .float(scale), .buffer(scores), .buffer(probabilities)],
                   over: .groups(groups * rows))
    }

    public func causalSoftmaxBackward(probabilities: DeviceBuffer, gradient dP: DeviceBuffer, groups: Int, length: Int, scale: Float,
                                      into dS: DeviceBuffer) throws {
        try TransformerContract.causalSoftmax([("probabilities", probabilities), ("dP", dP), ("dS", dS)], groups: groups, rows: length,
                                              columns: length, operation: "causalSoftmaxBackward", on: self)
        try launch("transformer_causal_softmax_backward", program: "transformer",
                   arguments: [.int(Int32(length)), .float(scale), .buffer(probabilities), .buffer(dP), .buffer(dS)],
                   over: .groups(groups * length))
    }

    public func crossEntropy(logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, vocabulary: Int, gradientScale: Float,
                             losses: DeviceBuffer, logitsGradient: DeviceBuffer?) throws {
        try TransformerContract.crossEntropy(logits: logits, labels: labels, losses: losses, gradient: logitsGradient,
                                             rows: rows, vocabulary: vocabulary, on: self)
        try launch("transformer_cross_entropy", program: "transformer",
                   arguments: [.int(Int32(vocabulary)), .float(gradientScale), .int(logitsGradient == nil ? 0 : 1), .buffer(logits),
                               .buffer(labels), .buffer(losses), .buffer(logitsGradient ?? losses)],
                   over: .groups(rows))
    }
}

extension OpenCLDevice {
    public func embedding(ids: DeviceBuffer, table: DeviceBuffer, vocabulary: Int, columns: Int, into out: DeviceBuffer) throws {
        try TransformerContract.embedding(ids: ids, table: table, out: out, vocabulary: vocabulary, columns: columns, on: self)
        let kernels: [ElementType: String] = [.float32: "transformer_embedding_float", .float16: "transformer_embedding_half",
                                              .bfloat16: "transformer_embedding_bfloat16"]
        try launch(kernels[table.elementType]!, program: "transformer",
                   arguments: [.ulong(UInt64(out.count)), .int(Int32(columns)), .int(Int32(vocabulary)), .buffer(ids), .buffer(table), .buffer(out)],
                   over: .items(out.count))
    }

    public func embeddingBackward(ids: DeviceBuffer, outputGradient dOut: DeviceBuffer, vocabulary: Int, columns: Int,
                                  into dTable: DeviceBuffer) throws {
        try TransformerContract.embeddingBackward(ids: ids, dOut: dOut, dTable: dTable, vocabulary: vocabulary, columns: columns, on: self)
        let tokens = ids.count
        // From the buffer pool: a training step asks for the same size every time and reuses it.
        let links = try makeBuffer(.int32, count: 2 * tokens, label: "embeddingBackward links")
        try launch("transformer_embedding_backward_links", program: "transformer",
                   arguments: [.int(Int32(tokens)), .int(Int32(vocabulary)), .buffer(ids), .buffer(links)], over: .items(tokens))
        try launch("transformer_embedding_backward", program: "transformer",
                   arguments: [.int(Int32(tokens)), .int(Int32(columns)), .buffer(ids), .buffer(links), .buffer(dOut), .buffer(dTable)],
                   over: .grid(columns: columns, rows: tokens))
    }
}
