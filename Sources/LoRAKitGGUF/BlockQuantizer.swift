import Foundation

/// Host quantization of Float32 values to F32, F16, BF16, Q8_0 and Q4_0, bit for bit as
/// the `gguf` Python package's `gguf.quants.quantize` for finite inputs.
///
/// Q8_0 and Q4_0 follow gguf's float32 arithmetic: the scale `d` is computed in float32
/// (`max|x| / 127`, or the largest-magnitude value `/ -8`), the values are multiplied by
/// the float32 reciprocal `1 / d`, and only `d` is stored as float16. For NaN or infinite
/// inputs gguf's integer results depend on the platform, so ours are unspecified there
/// (the F16 and BF16 conversions of NaN do follow NumPy and gguf exactly).
public enum BlockQuantizer {
    /// Quantizes `values` (a whole number of blocks) to `type`'s bytes.
    public static func quantize(_ type: GGMLType, _ values: [Float]) throws(GGUFError) -> Data {
        guard let bytes = type.byteCount(elements: values.count) else {
            throw GGUFError(file: "quantize", field: "element count", reason: "\(values.count) is not a whole number of \(type) blocks of \(type.blockSize)")
        }
        switch type {
        case .f32, .f16, .bf16, .q8_0, .q4_0: break
        default: throw GGUFError(file: "quantize", field: "type", reason: "quantization to \(type) is not supported")
        }
        var out = Data(count: bytes)
        out.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { src in
                guard let dst = raw.baseAddress, let base = src.baseAddress else { return }
                encode(type, base, src.count, dst)
            }
        }
        return out
    }

    private static func encode(_ type: GGMLType, _ src: UnsafePointer<Float>, _ count: Int, _ dst: UnsafeMutableRawPointer) {
        switch type {
        case .f32: for i in 0..<count { dst.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        case .f16: for i in 0..<count { dst.storeBytes(of: halfBits(src[i]).littleEndian, toByteOffset: i * 2, as: UInt16.self) }
        case .bf16: for i in 0..<count { dst.storeBytes(of: bfloat16Bits(src[i]).littleEndian, toByteOffset: i * 2, as: UInt16.self) }
        case .q8_0: for b in 0..<(count / 32) { quantizeQ8_0(src + b * 32, dst + b * 34) }
        case .q4_0: for b in 0..<(count / 32) { quantizeQ4_0(src + b * 32, dst + b * 18) }
        default: break
        }
    }

    /// A float holding an integer value to Int8, saturating; NaN becomes 0 (never a trap).
    @inline(__always)
    static func int8(_ q: Float) -> Int8 {
        q.isNaN ? 0 : Int8(max(-128, min(127, q)))
    }

    /// float32 to float16 bits: IEEE round-to-nearest-even; NaN as NumPy's
    /// `npy_floatbits_to_halfbits` (top payload bits kept, never turned into infinity).
    static func halfBits(_ x: Float) -> UInt16 {
        guard x.isNaN else { return Float16(x).bitPattern }
        let f = x.bitPattern
        let sign = UInt16((f & 0x8000_0000) >> 16)
        var h = UInt16(0x7C00 + ((f & 0x007F_FFFF) >> 13))
        if h == 0x7C00 { h += 1 }
        return sign | h
    }

    /// float32 to bfloat16 bits as gguf's BF16.quantize_blocks: NaNs made quiet, then
    /// round to nearest even on the top 16 bits.
    static func bfloat16Bits(_ x: Float) -> UInt16 {
        var n = x.bitPattern
        if n & 0x7FFF_FFFF > 0x7F80_0000 { n = (n & 0xFFFF_0000) | (64 << 16) }
        return UInt16(truncatingIfNeeded: (UInt64(n) + UInt64(0x7FFF + ((n >> 16) & 1))) >> 16)
    }

    /// Round half away from zero, as gguf's `np_roundf`.
    @inline(__always)
    static func roundAway(_ x: Float) -> Float { x.rounded(.toNearestOrAwayFromZero) }

    static func quantizeQ8_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, toByteOffset: 0, as: UInt16.self)
        for j in 0..<32 {
            let q = roundAway(x[j] * id)
            out.storeBytes(of: UInt8(bitPattern: int8(q)), toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    static func quantizeQ4_0(_ x: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer) {
        // The first value of largest magnitude, with its sign (NumPy's argmax keeps the first).
        var peak: Float = 0
        for j in 0..<32 where abs(x[j]) > abs(peak) { peak = x[j] }
        let d = peak / -8
        let id: Float = d == 0 ? 0 : 1 / d
        out.storeBytes(of: Float16(d).bitPattern.littleEndian, toByteOffset: 0, as: UInt16.self)
        func q(_ v: Float) -> UInt8 {
            let t = ((v * id) + 8.5).rounded(.towardZero)
            return t.isNaN ? 0 : UInt8(max(0, min(15, t)))
        }
        for j in 0..<16 {
            out.storeBytes(of: q(x[j]) | (q(x[j + 16]) << 4), toByteOffset: 2 + j, as: UInt8.self)
        }
    }
}
