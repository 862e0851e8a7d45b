/// Operations of the transformer ops (`TransformerContract`; formulas in Kernels/transformer.cl).
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol TransformerOperations: DeviceCore {
    /// RMSNorm of each row of x (rows×columns) with frozen weight w: `y = x·rstd·w`, and rstd per row for backward.
    func rmsNorm(_ x: DeviceBuffer, weight: DeviceBuffer, epsilon: Float, rows: Int, columns: Int,
                 into y: DeviceBuffer, rstd: DeviceBuffer) throws
    /// dx of RMSNorm given dy, x, w and the forward's rstd; overwrites dx or adds to it.
    func rmsNormBackward(_ dy: DeviceBuffer, x: DeviceBuffer, weight: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                         into dx: DeviceBuffer, update: GradientUpdate) throws
    /// The norm weight's gradient, `dw[c] (+)= Σ_r dy[r, c]·x[r, c]·rstd[r]`, for full-parameter
    /// training; summed over rows in order, so it is deterministic.
    func rmsNormWeightGradient(_ dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                               into dw: DeviceBuffer, update: GradientUpdate) throws
    /// `out = silu(gate) ⊙ up` (out may alias either input).
    func swiglu(gate: DeviceBuffer, up: DeviceBuffer, into out: DeviceBuffer) throws
    /// Gradients of `swiglu` given dOut.
    func swigluBackward(_ dOut: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, gateGradient: DeviceBuffer, upGradient: DeviceBuffer) throws
    /// Rotary position embedding in place on x (rows×heads×headDimension), Llama's split-half
    /// pairing: pair (i, i + D/2) turns by position·inverseFrequencies[i] (headDimension/2 float32
    /// values, see `RotaryFrequencies`), position = positionOffset + row mod sequenceLength (the
    /// offset places new tokens after a key/value cache); `inverse` rotates back (the backward pass).
    func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int, inverseFrequencies: DeviceBuffer,
              inverse: Bool, positionOffset: Int) throws
    /// RoPE as above, with each row's position read from `positions` (int32, one per row) instead
    /// of counted from the row: packed sequences restart the positions at every example.
    func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, positions: DeviceBuffer, inverseFrequencies: DeviceBuffer,
              inverse: Bool) throws
    /// The causal softmax of packed sequences (square T×T groups, groups = batch·heads): row t of
    /// sequence b keeps columns t − positions[b·T + t] ... t, its own example's keys, and zeros
    /// elsewhere, so examples packed into one sequence never attend to each other (block-diagonal
    /// causal attention). `positions` (int32, batch·T) restart at 0 at each example; the backward
    /// is `causalSoftmaxBackward`, which P's zeros already confine to the blocks.
    func packedCausalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, positions: DeviceBuffer, scale: Float,
                             into probabilities: DeviceBuffer) throws
    /// Causal softmax of `groups` rows×columns score matrices (groups = batch·heads; columns ≥ rows):
    /// row t keeps columns 0...t + columns − rows of softmax(scale·S), zeros beyond. Square for
    /// training; rows < columns when new queries attend to cached keys. P may alias S.
    func causalSoftmax(_ scores: DeviceBuffer, groups: Int, rows: Int, columns: Int, scale: Float, into probabilities: DeviceBuffer) throws
    /// dS = scale·P⊙(dP − Σ_j P⊙dP) per row, zeros beyond the diagonal. dS may alias dP.
    func causalSoftmaxBackward(probabilities: DeviceBuffer, gradient dP: DeviceBuffer, groups: Int, length: Int, scale: Float,
                               into dS: DeviceBuffer) throws
    /// Per row of logits (rows×vocabulary): loss = logsumexp(z) − z[label], 0 where label is −100
    /// and NaN where it is otherwise outside [0, vocabulary) (no out-of-bounds read);
    /// with `logitsGradient`, also dz = (softmax(z) − onehot)·gradientScale (0 on ignored rows);
    /// logitsGradient may alias logits. labels are int32.
    func crossEntropy(logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, vocabulary: Int, gradientScale: Float,
                      losses: DeviceBuffer, logitsGradient: DeviceBuffer?) throws
    /// `out[n, :] = table[ids[n], :]` for a frozen float32, float16 or bfloat16 table
    /// (vocabulary×columns; 16-bit rows are widened as they are gathered, exactly) and int32 ids;
    /// an id outside [0, vocabulary) gives a zero row (callers validate token ids when they load data).
    func embedding(ids: DeviceBuffer, table: DeviceBuffer, vocabulary: Int, columns: Int, into out: DeviceBuffer) throws
    /// The table's gradient for full-parameter training: `dTable[ids[n], :] += dOut[n, :]`, adding
    /// in token order (deterministic); ids outside [0, vocabulary) are skipped.
    func embeddingBackward(ids: DeviceBuffer, outputGradient dOut: DeviceBuffer, vocabulary: Int, columns: Int,
                           into dTable: DeviceBuffer) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension TransformerOperations {
    public func rmsNorm(_ x: DeviceBuffer, weight: DeviceBuffer, epsilon: Float, rows: Int, columns: Int,
                        into y: DeviceBuffer, rstd: DeviceBuffer) throws {
        throw DeviceError.unsupported(.rmsNorm, on: info.identifier)
    }

    public func rmsNormBackward(_ dy: DeviceBuffer, x: DeviceBuffer, weight: DeviceBuffer, rstd: DeviceBuffer, rows: Int,
                                columns: Int, into dx: DeviceBuffer, update: GradientUpdate) throws {
        throw DeviceError.unsupported(.rmsNormBackward, on: info.identifier)
    }

    public func rmsNormWeightGradient(_ dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                                      into dw: DeviceBuffer, update: GradientUpdate) throws {
        throw DeviceError.unsupported(.rmsNormWeightGradient, on: info.identifier)
    }

    public func swiglu(gate: DeviceBuffer, up: DeviceBuffer, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.swiglu, on: info.identifier)
    }

    public func swigluBackward(_ dOut: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, gateGradient: DeviceBuffer,
                               upGradient: DeviceBuffer) throws {
        throw DeviceError.unsupported(.swigluBackward, on: info.identifier)
    }

    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int,
                     inverseFrequencies: DeviceBuffer, inverse: Bool, positionOffset: Int) throws {
        throw DeviceError.unsupported(.rope, on: info.identifier)
    }

    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, positions: DeviceBuffer,
                     inverseFrequencies: DeviceBuffer, inverse: Bool) throws {
        throw DeviceError.unsupported(.ropeAtPositions, on: info.identifier)
    }

    public func packedCausalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, positions: DeviceBuffer,
                                    scale: Float, into probabilities: DeviceBuffer) throws {
        throw DeviceError.unsupported(.packedCausalSoftmax, on: info.identifier)
    }

    public func causalSoftmax(_ scores: DeviceBuffer, groups: Int, rows: Int, columns: Int, scale: Float,
                              into probabilities: DeviceBuffer) throws {
        throw DeviceError.unsupported(.causalSoftmax, on: info.identifier)
    }

    public func causalSoftmaxBackward(probabilities: DeviceBuffer, gradient dP: DeviceBuffer, groups: Int, length: Int,
                                      scale: Float, into dS: DeviceBuffer) throws {
        throw DeviceError.unsupported(.causalSoftmaxBackward, on: info.identifier)
    }

    public func crossEntropy(logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, vocabulary: Int, gradientScale: Float,
                             losses: DeviceBuffer, logitsGradient: DeviceBuffer?) throws {
        throw DeviceError.unsupported(.crossEntropy, on: info.identifier)
    }

    public func embedding(ids: DeviceBuffer, table: DeviceBuffer, vocabulary: Int, columns: Int, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.embedding, on: info.identifier)
    }

    public func embeddingBackward(ids: DeviceBuffer, outputGradient dOut: DeviceBuffer, vocabulary: Int, columns: Int,
                                  into dTable: DeviceBuffer) throws {
        throw DeviceError.unsupported(.embeddingBackward, on: info.identifier)
    }
}

extension TransformerOperations {
    /// Causal softmax of square T×T score matrices.
    public func causalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, scale: Float, into probabilities: DeviceBuffer) throws {
        try causalSoftmax(scores, groups: groups, rows: length, columns: length, scale: scale, into: probabilities)
    }
}
