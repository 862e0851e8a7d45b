extension BlockDequantizer {
    /// float16 bits to float32 bits, exactly as NumPy's `npy_halfbits_to_floatbits`
    /// (what `astype(np.float32)` uses): subnormals normalized, NaN payloads kept.
    static func floatBits(half h: UInt16) -> UInt32 {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = h & 0x7C00
        let mantissa = UInt32(h & 0x03FF)
        switch exponent {
        case 0:
            guard mantissa != 0 else { return sign }
            var m = mantissa << 1
            var shift: UInt32 = 0
            while m & 0x0400 == 0 {
                m <<= 1
                shift += 1
            }
            return sign | ((127 - 15 - shift) << 23) | ((m & 0x03FF) << 13)
        case 0x7C00:
            return sign | 0x7F80_0000 | (mantissa << 13)
        default:
            return sign | ((UInt32(h & 0x7FFF) + 0x1_C000) << 13)
        }
    }

    /// All 65 536 float16 values as Float, built once.
    nonisolated(unsafe) static let halfTable: UnsafeMutablePointer<Float> = {
        let table = UnsafeMutablePointer<Float>.allocate(capacity: 65536)
        for h in 0..<65536 { table[h] = Float(bitPattern: floatBits(half: UInt16(h))) }
        return table
    }()

    /// The float16 at `offset` bytes into `p`, as Float.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        halfTable[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
    }

    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        p.load(fromByteOffset: offset, as: UInt8.self)
    }

    static let dequantizeF32: Kernel = { src, dst, n in
        for i in 0..<n {
            dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        }
    }

    static let dequantizeF16: Kernel = { src, dst, n in
        let table = halfTable
        for i in 0..<n {
            dst[i] = table[Int(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))]
        }
    }

    // bfloat16 is the top half of a float32: shift the bits up (as gguf: int16 << 16).
    static let dequantizeBF16: Kernel = { src, dst, n in
        for i in 0..<n {
            let bits = UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
            dst[i] = Float(bitPattern: bits << 16)
        }
    }
}
