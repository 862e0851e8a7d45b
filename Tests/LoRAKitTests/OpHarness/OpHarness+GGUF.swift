import Foundation
import LoRAKit
import LoRAKitGGUF

/// GGUF block formats, every type devices dequantize, from the fixture `quants.gguf` that the
/// `gguf` Python package wrote (Q4_0 … Q8_0 quantized by it from sampled values, K-quants as
/// valid blocks with finite scales of every magnitude, F16 and BF16 bit patterns). The reference
/// is the fixture's own `gguf.quants.dequantize` output; both comparisons are bit-exact, as the
/// op promises.
extension OpHarness {
    static let ggufTypes: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    static let ggufFixture = Result { try GGUFFixtures.open() }

    /// dims: blocks (for F16 and BF16, blocks of one element). A window of the fixture's blocks
    /// from a drawn first block; out has 3 spare elements that start at a sentinel and must keep it.
    static let ggufDequantize = OpHarnessEntry(
        .ggufDequantize,
        shapes: ggufTypes.flatMap { type in
            type.blockSize == 1 ? [OpShape(91, variant: "\(type)"), OpShape(4096, variant: "\(type)")]
                : [OpShape(7, variant: "\(type)"), OpShape(8, variant: "\(type)")]
        },
        tolerances: ["out": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> (type: GGMLType, packed: [UInt8], reference: [Float]) in
            let file = try ggufFixture.get()
            let tensor = try file.tensor(named: shape.variant), type = tensor.type
            let available = tensor.elementCount / type.blockSize, blocks = shape[0]
            // F16's fixture holds every pattern in order; its NaNs (from 0x7C01 and 0xFC01) are left
            // out, since float16 NaN payloads are not specified. Elsewhere any window will do.
            let first = type == .f16 ? random.integer(0..<(0x7C00 - blocks)) + (random.unit() < 0.5 ? 0 : 0x8000)
                : random.integer(0..<(available - blocks + 1))
            let bytes = Array(tensor.data)[(first * type.bytesPerBlock)..<((first + blocks) * type.bytesPerBlock)]
            let reference = try GGUFFixtures.reference(file, shape.variant)
            return (type, Array(bytes), Array(reference[(first * type.blockSize)..<((first + blocks) * type.blockSize)]))
        },
        run: { device, _, inputs in
            let out = try device.makeBuffer([Float](repeating: -7.25, count: inputs.reference.count + 3), label: "out")
            try device.ggufDequantize(inputs.type, packed: device.makeBuffer(inputs.packed, label: "packed"),
                                      count: inputs.reference.count, into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { _, inputs in ["out": ReferenceOutput(inputs.reference.map(Double.init) + [-7.25, -7.25, -7.25])] })
}
