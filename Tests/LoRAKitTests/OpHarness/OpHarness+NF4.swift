import Foundation
import LoRAKit

/// NF4 (QLoRA's base weights): inputs from real quantization (`NF4Codec`, bit-exact with
/// bitsandbytes), and every result bit-exact: dequantization is one float32 multiply per value
/// (and for float16 one rounding), the nested absmax a product and a sum rounded separately.
extension OpHarness {
    /// dims: codes, nested block size. Codes, scales and offset from `DoubleQuantizedAbsmax.quantize`
    /// of weight-like block absmax values (nested blocks of 256), and an odd nested block size
    /// with drawn codes. The reference is bitsandbytes' formula in float32, written here.
    static let nf4DequantizeAbsmax = OpHarnessEntry(
        .nf4DequantizeAbsmax, shapes: [OpShape(1001, 256), OpShape(512, 256), OpShape(91, 13, variant: "drawn codes")],
        tolerances: ["absmax": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> DoubleQuantizedAbsmax in
            let (count, nested) = (shape[0], shape[1])
            if nested == 256 { return .quantize(random.floats(count, in: 0.02...0.3)) }
            return DoubleQuantizedAbsmax(codes: (0..<count).map { _ in UInt8(random.integer(0..<256)) },
                                         scales: random.floats((count + nested - 1) / nested, in: 0.01...0.2),
                                         offset: random.uniform(0.05...0.15), blockSize: nested)
        },
        run: { device, _, q in
            let absmax = try device.makeBuffer([Float](repeating: .nan, count: q.codes.count), label: "absmax")
            try device.nf4DequantizeAbsmax(codes: device.makeBuffer(q.codes, label: "codes"), map: device.makeBuffer(q.map, label: "map"),
                                           scales: device.makeBuffer(q.scales, label: "scales"), offset: q.offset,
                                           nestedBlockSize: q.blockSize, into: absmax)
            return try downloadOutputs(["absmax": absmax])
        },
        reference: { _, q in
            let values = q.codes.indices.map { i -> Double in
                let product = q.map[Int(q.codes[i])] * q.scales[i / q.blockSize]   // rounded to float32, then
                return Double(product + q.offset)                                  // the sum rounded again
            }
            return ["absmax": ReferenceOutput(values)]
        })

    /// dims: rows, columns, block size; variant: out's type. Out has 3 spare elements (a reused
    /// scratch) that start at a sentinel and must keep it. An odd element count has a padding nibble.
    static let nf4Dequantize = OpHarnessEntry(
        .nf4Dequantize,
        shapes: [OpShape(33, 65, 64, variant: "float32"), OpShape(64, 128, 64, variant: "float16"),
                 OpShape(7, 13, 32, variant: "float16"), OpShape(64, 128, 128, variant: "float32")],
        tolerances: ["out": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> NF4Tensor in
            try NF4Codec.quantize(random.normals(shape[0] * shape[1], scale: 0.05), shape: [shape[0], shape[1]],
                                  blockSize: shape[2], doubleQuantize: false)
        },
        run: { device, shape, tensor in
            let spare = [Float](repeating: -7.25, count: tensor.elementCount + 3)
            let out = shape.variant == "float16" ? try device.makeBuffer(spare.map(Float16.init), label: "out")
                : try device.makeBuffer(spare, label: "out")
            try device.nf4Dequantize(packed: device.makeBuffer(tensor.packed, label: "packed"),
                                     absmax: device.makeBuffer(tensor.blockAbsmax, label: "absmax"),
                                     blockSize: tensor.blockSize, count: tensor.elementCount, into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { shape, tensor in
            let absmax = tensor.blockAbsmax
            let values = (0..<tensor.elementCount).map { i -> Double in
                let byte = tensor.packed[i / 2], code = i % 2 == 0 ? byte >> 4 : byte & 0x0F
                let product = Double(NF4Codebook.values[Int(code)] * absmax[i / tensor.blockSize])
                return shape.variant == "float16" ? roundedToNearestEven(product, significandBits: 11, minimumExponent: -14, largest: 65504)
                    : product
            }
            return ["out": ReferenceOutput(values + [Double](repeating: -7.25, count: 3))]
        })

    /// dims: rows, columns, block size (33×65 ends in a partial block, which bitsandbytes scales by
    /// a division, not a reciprocal). Codes and absmax must be the host's bits (the host is
    /// `NF4Codec`, checked against bitsandbytes in NF4Tests); the reference gives each block's
    /// absmax, max |x|, which is exact. It does not give the codes: an independent nearest-code
    /// rule could differ from bitsandbytes' float32 midpoints on ties.
    static let nf4Quantize = OpHarnessEntry(
        .nf4Quantize, shapes: [OpShape(33, 65, 64), OpShape(64, 128, 64), OpShape(7, 13, 32)],
        tolerances: ["packed": OutputTolerance(host: .bitExact, reference: nil),
                     "absmax": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random in random.normals(shape[0] * shape[1], scale: 0.05) },
        run: { device, shape, values in
            let blocks = (values.count + shape[2] - 1) / shape[2]
            let packed = try device.makeBuffer(.uint8, count: (values.count + 1) / 2, label: "packed")
            let absmax = try device.makeBuffer(.float32, count: blocks, label: "absmax")
            try device.nf4Quantize(device.makeBuffer(values, label: "values"), blockSize: shape[2], packed: packed, absmax: absmax)
            return try downloadOutputs(["packed": packed, "absmax": absmax])
        },
        reference: { shape, values in
            let absmax = stride(from: 0, to: values.count, by: shape[2]).map { start in
                Double(values[start..<min(values.count, start + shape[2])].reduce(Float(0)) { max($0, abs($1)) })
            }
            return ["absmax": ReferenceOutput(absmax)]
        })
}
