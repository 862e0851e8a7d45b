/// Every operation of the `Device` protocol beyond buffers, copies and waiting, by name and
/// family. A backend says which it runs through `Device.supports(_:)`; `OffloadingDevice` hands
/// the rest to another device; the op harness in the tests has one entry per case, so a new
/// operation cannot land untested.
public enum DeviceOperation: String, CaseIterable, Sendable, CustomStringConvertible {
    case gemm
    case axpy, scale, fill, broadcastRows, add, rowSumOfSquares, partialSumsOfSquares, convert, widen
    case dropout, loraExpand, loraMerge
    case nf4DequantizeAbsmax, nf4Dequantize, nf4Quantize
    case ggufDequantize
    case rmsNorm, rmsNormBackward, rmsNormWeightGradient, swiglu, swigluBackward
    /// RoPE with positions counted from the row (`rope(_:rows:...:sequenceLength:...)`).
    case rope
    /// RoPE with each row's position read from a buffer (packed sequences).
    case ropeAtPositions
    case causalSoftmax, packedCausalSoftmax, causalSoftmaxBackward, crossEntropy, embedding, embeddingBackward
    case adamW

    /// The groups the contract files check (`LoRAContract`, `TransformerContract`, ...).
    public enum Family: String, CaseIterable, Sendable {
        case gemm, elementwise, lora, nf4, gguf, transformer, optimizer
    }

    public var family: Family {
        switch self {
        case .gemm: return .gemm
        case .axpy, .scale, .fill, .broadcastRows, .add, .rowSumOfSquares, .partialSumsOfSquares, .convert, .widen: return .elementwise
        case .dropout, .loraExpand, .loraMerge: return .lora
        case .nf4DequantizeAbsmax, .nf4Dequantize, .nf4Quantize: return .nf4
        case .ggufDequantize: return .gguf
        case .rmsNorm, .rmsNormBackward, .rmsNormWeightGradient, .swiglu, .swigluBackward, .rope, .ropeAtPositions,
             .causalSoftmax, .packedCausalSoftmax, .causalSoftmaxBackward, .crossEntropy, .embedding, .embeddingBackward:
            return .transformer
        case .adamW: return .optimizer
        }
    }

    public var description: String { rawValue }
}
