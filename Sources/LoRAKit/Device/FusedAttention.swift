/// A device that runs causal attention fused: scores, softmax and products over tiles that stay
/// in cache, so no T×T score matrix exists in memory, and backward recomputes the tiles' P from
/// the forward's log-sum-exp (FlashAttention's scheme). `CausalAttention` uses it where the
/// device has it (the host) and composes GEMMs and the causal softmax elsewhere; that composed
/// path is the fused one's twin and reference in the tests.
public protocol FusedAttentionDevice: Device {
    /// O (N×heads·d) for Q (N×heads·d), K and V (N×kvHeads·d), N = batch·T, and the log-sum-exp
    /// of each row's scaled scores (N×heads), which backward needs. `positions` as in
    /// `CausalAttention.forward`: packed examples attend only within themselves.
    func fusedCausalAttention(_ shape: AttentionShape, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
                              positions: DeviceBuffer?, output: DeviceBuffer, logSumExp: DeviceBuffer) throws

    /// dQ, dK and dV (overwritten) given the forward's inputs, output and log-sum-exp, and dO.
    func fusedCausalAttentionBackward(_ shape: AttentionShape, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
                                      positions: DeviceBuffer?, output: DeviceBuffer, logSumExp: DeviceBuffer,
                                      outputGradient: DeviceBuffer, dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer) throws
}

/// The sizes of one attention call: `batch` sequences of `sequenceLength` tokens, `heads` query
/// heads over `keyValueHeads` key/value heads of `headDimension` each; scores scale by 1/√d.
public struct AttentionShape: Sendable, Equatable {
    public let batch, sequenceLength, heads, keyValueHeads, headDimension: Int

    public init(batch: Int, sequenceLength: Int, heads: Int, keyValueHeads: Int, headDimension: Int) {
        (self.batch, self.sequenceLength, self.heads, self.keyValueHeads, self.headDimension) =
            (batch, sequenceLength, heads, keyValueHeads, headDimension)
    }

    /// Rows of Q, K, V and O: batch·T tokens.
    public var rows: Int { batch * sequenceLength }
}
