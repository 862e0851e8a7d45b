import Foundation
import LoRAKit

/// The 16-bit conversions: narrowing rounds to nearest even, widening is exact, so every device
/// must give the host's bits and the reference's values exactly.
extension OpHarness {
    static let conversionVariants = ["float32→float16", "float32→bfloat16", "float16→float32", "bfloat16→float32"]

    static let convert = OpHarnessEntry(
        .convert, shapes: conversionVariants.flatMap { [OpShape(33, 65, variant: $0), OpShape(64, 128, variant: $0)] },
        tolerances: ["destination": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> (source: OpArray, destination: ElementType) in
            let n = shape.elementCount
            switch shape.variant {
            case "float32→float16": return (.float32(float16NarrowingInputs(n, &random)), .float16)
            case "float32→bfloat16": return (.float32(bfloat16NarrowingInputs(n, &random)), .bfloat16)
            case "float16→float32": return (.float16(float16Patterns(n, &random)), .float32)
            default: return (.bfloat16(random.bits16(n).map(BFloat16.init(bitPattern:))), .float32)
            }
        },
        run: { device, _, inputs in
            let destination = try device.makeBuffer(inputs.destination, count: inputs.source.count, label: "destination")
            try device.convert(inputs.source.upload(to: device, label: "source"), into: destination)
            return try downloadOutputs(["destination": destination])
        },
        reference: { _, inputs in ["destination": ReferenceOutput(exactConversion(inputs.source, to: inputs.destination))] })

    /// dims: source elements, first element widened, elements widened. `out` is 5 elements
    /// longer (a reused scratch) and starts at a sentinel its tail must keep.
    static let widen = OpHarnessEntry(
        .widen, shapes: ["float16", "bfloat16"].flatMap { [OpShape(1001, 13, 91, variant: $0), OpShape(8192, 1024, 4096, variant: $0)] },
        tolerances: ["out": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> OpArray in
            shape.variant == "float16" ? .float16(float16Patterns(shape[0], &random))
                : .bfloat16(random.bits16(shape[0]).map(BFloat16.init(bitPattern:)))
        },
        run: { device, shape, source in
            let out = try device.makeBuffer([Float](repeating: -7.25, count: shape[2] + 5), label: "out")
            try device.widen(source.upload(to: device, label: "source"), range: shape[1]..<(shape[1] + shape[2]), into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { shape, source in
            let widened = exactConversion(source, to: .float32)[shape[1]..<(shape[1] + shape[2])]
            return ["out": ReferenceOutput(Array(widened) + [Double](repeating: -7.25, count: 5))]
        })
}

extension OpHarness {
    /// Magnitudes across float16's whole range: subnormals, normals, past the largest finite
    /// value, and the ties and boundaries first (NaN left out: float16 narrowing does not specify its bits).
    static func float16NarrowingInputs(_ count: Int, _ random: inout OpHarnessRandom) -> [Float] {
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, 65504, 65519.996, 65520, -65520, 0x1p-24, 0x1p-25, 0x1.8p-24,
                                 0x1p-14, 0x1.ff8p-15, 1 + 0x1p-11, 1 + 0x1.8p-10, -(1 + 0x1p-11)]
        return specials + (specials.count..<count).map { _ in
            (random.unit() < 0.5 ? -1 : 1) * Float(sign: .plus, exponent: random.integer(-27..<17), significand: 1 + random.unit())
        }
    }

    /// ReferenceBFloat16's special values (NaNs, ties, overflow, subnormals) and weight-like values.
    static func bfloat16NarrowingInputs(_ count: Int, _ random: inout OpHarnessRandom) -> [Float] {
        let specials = ReferenceBFloat16.specialValues
        return specials + random.normals(count - specials.count, scale: 0.02).enumerated().map { i, x in
            i % 4 == 0 ? Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) : x
        }
    }

    /// Random float16 bit patterns with NaNs turned into infinities of their sign: float16 NaN
    /// payloads are not specified, every other pattern widens exactly.
    static func float16Patterns(_ count: Int, _ random: inout OpHarnessRandom) -> [Float16] {
        random.bits16(count).map { bits in
            Float16(bitPattern: bits & 0x7C00 == 0x7C00 && bits & 0x03FF != 0 ? bits & 0xFC00 : bits)
        }
    }

    /// Each element converted from the definitions (not through Float16 or BFloat16).
    static func exactConversion(_ source: OpArray, to type: ElementType) -> [Double] {
        switch (source, type) {
        case (.float32(let v), .float16): return v.map { roundedToNearestEven(Double($0), significandBits: 11, minimumExponent: -14, largest: 65504) }
        case (.float32(let v), .bfloat16): return v.map { Double(Float(bitPattern: UInt32(ReferenceBFloat16.bits($0)) << 16)) }
        case (.float16(let v), _): return v.map { halfValue($0.bitPattern) }
        case (.bfloat16(let v), _): return v.map { Double(Float(bitPattern: UInt32($0.bitPattern) << 16)) }
        default: return (0..<source.count).map(source.value)
        }
    }

    /// x rounded to a binary format of `significandBits` (the leading one included) and smallest
    /// normal exponent `minimumExponent`, ties to even, past `largest` to ±∞.
    static func roundedToNearestEven(_ x: Double, significandBits: Int, minimumExponent: Int, largest: Double) -> Double {
        guard x.isFinite, x != 0 else { return x }
        let quantum = Double(sign: .plus, exponent: max(Int(x.exponent), minimumExponent) - (significandBits - 1), significand: 1)
        let rounded = (x / quantum).rounded(.toNearestOrEven) * quantum
        if abs(rounded) > largest { return x < 0 ? -.infinity : .infinity }
        return rounded == 0 ? (x < 0 ? -0.0 : 0.0) : rounded
    }

    /// The value of float16 bits: sign, 5 exponent bits (bias 15), 10 fraction bits.
    static func halfValue(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int(bits >> 10) & 0x1F, fraction = Double(bits & 0x3FF)
        if exponent == 0x1F { return fraction == 0 ? sign * .infinity : .nan }
        if exponent == 0 { return sign * fraction * 0x1p-24 }
        return sign * (1024 + fraction) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
    }
}
