import Foundation
import LoRAKitGGUF

/// A compute device: the OpenCL devices (through CLBlast and `Kernels/*.cl`) and the host CPU
/// (through OpenBLAS and native Swift). Everything above `Device/` talks only to this protocol.
///
/// Operations are enqueued in order; a backend may return before the work is done. Reading a
/// buffer (`DeviceBuffer.download`) waits for all earlier work; `synchronize()` waits explicitly.
/// Every operation validates its operands first and throws `DeviceError` on any mismatch.
public protocol Device: AnyObject, Sendable {
    var info: DeviceInfo { get }
    /// Bytes allocated through this device now and at peak.
    var memoryUsage: MemoryUsage { get }
    /// Allocations, queue waits, synchronous transfers and launches so far (see `OperationCounts`).
    var operationCounts: OperationCounts { get }

    /// A zero-filled buffer of `count` elements; `label` names it in errors and memory reports.
    func makeBuffer(_ elementType: ElementType, count: Int, label: String) throws -> DeviceBuffer
    /// Copies all of `source` into `destination` (both on this device, same type and count).
    func copy(from source: DeviceBuffer, to destination: DeviceBuffer) throws
    /// Copies the elements `range` of `source` to `destination[offset...]` (same type, same device;
    /// the buffers must not be the same one).
    func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int) throws
    /// Waits until every enqueued operation has finished.
    func synchronize() throws

    /// `C = alpha·op(A)·op(B) + beta·C`, row-major, optionally strided-batched.
    func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws

    /// `y += alpha·x`.
    func axpy(alpha: Float, x: DeviceBuffer, y: DeviceBuffer) throws
    /// `x *= alpha`.
    func scale(_ x: DeviceBuffer, by alpha: Float) throws
    /// Sets every element of a float32 buffer to `value`. Zeroing goes through this, never
    /// `scale(by: 0)`, which keeps NaN and ±∞ (0·NaN = NaN) and so lets one bad step poison the next.
    func fill(_ x: DeviceBuffer, with value: Float) throws
    /// Every row of the rows×n matrix `out` set to `row` (n elements): a bias before a product
    /// accumulates onto it.
    func broadcastRows(_ row: DeviceBuffer, rows: Int, into out: DeviceBuffer) throws
    /// `out = a + b` (out may be a or b).
    func add(_ a: DeviceBuffer, _ b: DeviceBuffer, into out: DeviceBuffer) throws
    /// `out[i] = Σ_j x[i·columns + j]²` for a row-major rows×columns x (RMSNorm's reduction).
    func rowSumOfSquares(_ x: DeviceBuffer, rows: Int, columns: Int, into out: DeviceBuffer) throws
    /// Splits x into `parts` contiguous ranges, part p being [p·n/parts, (p+1)·n/parts) of its n
    /// elements, and writes Σ x² of part p into `partials[offset + p]`. A fixed partition, so the
    /// result is deterministic; many tensors' partials can share one buffer and one read (the
    /// global gradient norm).
    func partialSumsOfSquares(_ x: DeviceBuffer, parts: Int, into partials: DeviceBuffer, at offset: Int) throws
    /// Converts between float32 and float16 or bfloat16 storage (same count): narrowing rounds to
    /// nearest even (bfloat16 as `BFloat16(_:)`, NaN to 0x7FC0), widening is exact.
    func convert(_ source: DeviceBuffer, into destination: DeviceBuffer) throws
    /// `out[i] = float(source[range.lowerBound + i])` for i < range.count: elements of a float16 or
    /// bfloat16 buffer widened exactly into float32 `out`, which may be larger (a reused scratch).
    /// How a 16-bit weight reaches a GEMM, a block of rows at a time (`FrozenWeight`).
    func widen(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws

    // LoRA (see `LoRALinear` for how they combine with `gemm`).

    /// `out = mask ⊙ x / (1 − p)` with the mask of `key` (`DropoutKey`); out may be x. With p = 0
    /// it copies. Every backend keeps exactly the same elements for the same key.
    func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws
    /// The low-rank expansion that starts a fused LoRA forward: `Y[m, o] = bias[o] + scale·Σ_j T[m, j]·B[o, j]`
    /// for T rows×rank, B outFeatures×rank, Y rows×outFeatures. It writes Y once, without reading
    /// it, and the base product then accumulates into Y (`gemm` with beta = 1).
    func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float,
                    rows: Int, outFeatures: Int, rank: Int, into y: DeviceBuffer) throws
    /// `W += scale·B·A` in place for a float32, float16 or bfloat16 W (outFeatures×inFeatures), B
    /// outFeatures×rank, A rank×inFeatures; 16-bit results round to nearest even (as `convert`).
    /// Merging uses scale = s, unmerging −s.
    func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                   outFeatures: Int, inFeatures: Int, rank: Int) throws

    // NF4 (see `NF4Weight`, which combines them).

    /// Rebuilds double-quantized absmax values: `absmax[i] = map[codes[i]]·scales[i / nestedBlockSize] + offset`
    /// (codes uint8, map 256 float32, scales float32), product and sum rounded separately as in bitsandbytes.
    func nf4DequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float,
                             nestedBlockSize: Int, into absmax: DeviceBuffer) throws
    /// `out[i] = code[nibble i of packed]·absmax[i / blockSize]` for i < count (out may be larger,
    /// e.g. a reused scratch buffer); out is float32 or float16 (rounded to nearest even).
    func nf4Dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, into out: DeviceBuffer) throws
    /// Quantizes float32 `values` to NF4 with bitsandbytes' rules: packed codes (⌈n/2⌉ uint8) and
    /// one float32 absmax per block. Double quantization of the absmax happens on the host
    /// (`NF4Weight.quantize`), since the absmax is 1/blockSize of the data.
    func nf4Quantize(_ values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer) throws

    // GGUF (see `GGUFWeight`, which uses it).

    /// Dequantizes the first `count` elements of a packed GGUF tensor of llama.cpp block type
    /// `type` (uint8, exactly count / blockSize · bytesPerBlock bytes, blocks in file order) into
    /// float32 `out` (which may be larger, e.g. a reused scratch buffer). `count` is a whole
    /// number of blocks. Bit for bit the `gguf` Python package's `gguf.quants.dequantize`
    /// (float32 arithmetic in its order, no fused multiply-add). Types: F16, BF16, Q4_0, Q4_1,
    /// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
    func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws

    // Transformer ops (see Kernels/transformer.cl for the formulas).

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

    // Optimizer.

    /// One AdamW step (PyTorch's formulas, see Kernels/optimizer.cl) on parameters p with
    /// gradient g (multiplied by `step.gradientScale` first) and moments m, v (all float32, same count).
    func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer, secondMoment v: DeviceBuffer,
               step: AdamWStep) throws
}

extension Device {
    /// Rotary embedding with the default frequencies θ^(−2i/D).
    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int, theta: Float, inverse: Bool,
                     positionOffset: Int = 0) throws {
        guard theta > 1, theta.isFinite else { throw DeviceError.invalidArgument(operation: "rope", detail: "theta \(theta) must exceed 1") }
        let frequencies = try makeBuffer(RotaryFrequencies.inverseFrequencies(theta: theta, headDimension: max(0, headDimension)),
                                         label: "rope frequencies")
        try rope(x, rows: rows, heads: heads, headDimension: headDimension, sequenceLength: sequenceLength, inverseFrequencies: frequencies,
                 inverse: inverse, positionOffset: positionOffset)
    }

    /// Causal softmax of square T×T score matrices.
    public func causalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, scale: Float, into probabilities: DeviceBuffer) throws {
        try causalSoftmax(scores, groups: groups, rows: length, columns: length, scale: scale, into: probabilities)
    }

    /// A buffer holding stored little-endian element bytes as they are (`DeviceBuffer.upload(bytes:)`).
    public func makeBuffer(_ elementType: ElementType, bytes: Data, label: String) throws -> DeviceBuffer {
        let buffer = try makeBuffer(elementType, count: bytes.count / elementType.byteSize, label: label)
        try bytes.withUnsafeBytes { try buffer.upload(bytes: $0) }
        return buffer
    }

    /// A zero-filled buffer holding `values`.
    public func makeBuffer<T: DeviceScalar>(_ values: [T], label: String) throws -> DeviceBuffer {
        let buffer = try makeBuffer(T.elementType, count: values.count, label: label)
        try buffer.upload(values)
        return buffer
    }

    /// Plain, non-batched `C = alpha·op(A)·op(B) + beta·C` on packed matrices.
    public func gemm(m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer,
                     transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0) throws {
        try gemm(GEMMDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                alpha: alpha, beta: beta), a: a, b: b, c: c)
    }
}
