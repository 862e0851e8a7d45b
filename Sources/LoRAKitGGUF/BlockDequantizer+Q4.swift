// The 32-element formats Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0.
// In the 4- and 5-bit formats byte j holds element j in its low nibble and element
// j + 16 in its high nibble; Q5's fifth bits are bit i of a u32 for element i.
// Arithmetic as gguf: d * q, and (d * q) + m for the "_1" formats, each rounded to float32.
extension BlockDequantizer {
    static let dequantizeQ4_0: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 18, o = dst + b * 32
            let d = half(p, 0)
            for j in 0..<16 {
                let x = byte(p, 2 + j)
                o[j] = d * Float(Int32(x & 0x0F) - 8)
                o[j + 16] = d * Float(Int32(x >> 4) - 8)
            }
        }
    }

    static let dequantizeQ4_1: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 20, o = dst + b * 32
            let d = half(p, 0), m = half(p, 2)
            for j in 0..<16 {
                let x = byte(p, 4 + j)
                o[j] = (d * Float(x & 0x0F)) + m
                o[j + 16] = (d * Float(x >> 4)) + m
            }
        }
    }

    @inline(__always)
    static func fifthBits(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    static let dequantizeQ5_0: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 22, o = dst + b * 32
            let d = half(p, 0)
            let qh = fifthBits(p, 2)
            for j in 0..<16 {
                let x = UInt32(byte(p, 6 + j))
                let lo = (x & 0x0F) | (((qh >> UInt32(j)) & 1) << 4)
                let hi = (x >> 4) | (((qh >> UInt32(j + 16)) & 1) << 4)
                o[j] = d * Float(Int32(lo) - 16)
                o[j + 16] = d * Float(Int32(hi) - 16)
            }
        }
    }

    static let dequantizeQ5_1: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 24, o = dst + b * 32
            let d = half(p, 0), m = half(p, 2)
            let qh = fifthBits(p, 4)
            for j in 0..<16 {
                let x = UInt32(byte(p, 8 + j))
                let lo = (x & 0x0F) | (((qh >> UInt32(j)) & 1) << 4)
                let hi = (x >> 4) | (((qh >> UInt32(j + 16)) & 1) << 4)
                o[j] = (d * Float(lo)) + m
                o[j + 16] = (d * Float(hi)) + m
            }
        }
    }

    static let dequantizeQ8_0: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 34, o = dst + b * 32
            let d = half(p, 0)
            for j in 0..<32 {
                o[j] = Float(Int8(bitPattern: byte(p, 2 + j))) * d
            }
        }
    }
}
