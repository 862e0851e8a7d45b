/// RoPE at per-token positions and block-diagonal causal softmax, for packed sequences
/// (Kernels/transformer.cl: transformer_rope_at, transformer_packed_causal_softmax).
extension OpenCLDevice {
    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, positions: DeviceBuffer, inverseFrequencies: DeviceBuffer,
                     inverse: Bool) throws {
        try TransformerContract.rope(x: x, rows: rows, heads: heads, headDimension: headDimension, positions: positions,
                                     inverseFrequencies: inverseFrequencies, on: self)
        let pairs = rows * heads * headDimension / 2
        try launch("transformer_rope_at", program: "transformer",
                   arguments: [.ulong(UInt64(pairs)), .int(Int32(heads)), .int(Int32(headDimension)), .buffer(positions),
                               .buffer(inverseFrequencies), .float(inverse ? -1 : 1), .buffer(x)],
                   over: .items(pairs))
    }

    public func packedCausalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, positions: DeviceBuffer, scale: Float,
                                    into probabilities: DeviceBuffer) throws {
        try TransformerContract.packedCausalSoftmax(scores: scores, probabilities: probabilities, groups: groups, length: length,
                                                    positions: positions, on: self)
        let headsPerSequence = groups / (positions.count / length)
        try launch("transformer_packed_causal_softmax", program: "transformer",
                   arguments: [.int(Int32(length)), .int(Int32(headsPerSequence)), .float(scale), .buffer(positions), .buffer(scores),
                               .buffer(probabilities)],
                   over: .groups(groups * length))
    }
}
