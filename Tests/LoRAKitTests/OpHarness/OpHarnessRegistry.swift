import Foundation
import LoRAKit

/// The op harness, after ggml's test-backend-ops: one entry per `DeviceOperation`, run at odd and
/// round shapes on every device against the host twin and the double-precision reference
/// (`OpHarnessTests`). An operation without an entry fails `registryCoversEveryOperation`.
/// Entries live in the family files (`OpHarness+GEMM.swift`, `OpHarness+Elementwise.swift`, ...).
enum OpHarness {
    /// Unit roundoff of float32 (2⁻²⁴), the unit of the references' error bounds.
    static let u = float32Roundoff

    /// Every entry, by family, in `DeviceOperation`'s order within each.
    static let families: [(DeviceOperation.Family, [OpHarnessEntry])] = [
        (.gemm, [gemm]),
        (.elementwise, [axpy, scale, fill, broadcastRows, add, rowSumOfSquares, partialSumsOfSquares, convert, widen]),
        (.lora, [dropout, loraExpand, loraMerge]),
        (.nf4, [nf4DequantizeAbsmax, nf4Dequantize, nf4Quantize]),
        (.gguf, [ggufDequantize]),
        (.transformer, [rmsNorm, rmsNormBackward, rmsNormWeightGradient, swiglu, swigluBackward, rope, ropeAtPositions,
                        causalSoftmax, packedCausalSoftmax, causalSoftmaxBackward, crossEntropy, embedding, embeddingBackward]),
        (.optimizer, [adamW]),
    ]

    static let entries: [OpHarnessEntry] = families.flatMap(\.1)

    /// Every entry at every one of its shapes.
    static let cases: [OpHarnessCase] = entries.flatMap { entry in entry.shapes.map { OpHarnessCase(entry: entry, shape: $0) } }

    /// The cases whose entry has a double-precision reference.
    static let referenceCases: [OpHarnessCase] = cases.filter(\.entry.hasReference)
}
