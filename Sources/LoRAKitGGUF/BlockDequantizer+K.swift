// The 256-element "K" super-block formats. Each super-block has float16 scales d (and
// dmin) and 6-, 8- or 4-bit sub-block scales; as gguf, the sub-block factors d * sc and
// dmin * m are rounded to float32 first, then each value is (d * sc) * q - (dmin * m).
extension BlockDequantizer {
    // 84 bytes: scales[16] (low nibble scale, high nibble min), qs[64] (2 bits), d, dmin.
    static let dequantizeQ2_K: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 84, o = dst + b * 256
            let d = half(p, 80), dmin = half(p, 82)
            for g in 0..<16 {
                // group g = half * 8 + shift * 2 + sub covers bytes qs[half*32 + sub*16 ..< +16]
                let sc = byte(p, g)
                let dl = d * Float(sc & 0x0F), ml = dmin * Float(sc >> 4)
                let shift = UInt8((g >> 1) & 3) * 2
                let q = 16 + (g >> 3) * 32 + (g & 1) * 16
                for j in 0..<16 {
                    o[g * 16 + j] = dl * Float((byte(p, q + j) >> shift) & 3) - ml
                }
            }
        }
    }

    /// Q3_K's 16 six-bit scales, minus 32: low nibbles in bytes 0–7, high 2-bit pairs in 8–11.
    @inline(__always)
    static func q3Scale(_ p: UnsafeRawPointer, _ g: Int) -> Int {
        let low = g < 8 ? byte(p, g) & 0x0F : byte(p, g - 8) >> 4
        let high = (byte(p, 8 + (g & 3)) >> UInt8(2 * (g >> 2))) & 3
        return Int(low | (high << 4)) - 32
    }

    // 110 bytes: hmask[32], qs[64] (2 low bits), scales[12], d. A clear hmask bit subtracts 4.
    static let dequantizeQ3_K: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 110, o = dst + b * 256
            let d = half(p, 108)
            for g in 0..<16 {
                let dl = d * Float(q3Scale(p + 96, g))
                let shift = UInt8((g >> 1) & 3) * 2
                let bit = UInt8(g >> 1)  // e / 32 for the elements of group g
                for jj in 0..<16 {
                    let j = (g & 1) * 16 + jj
                    // Int32, not Int: a 32-bit int-to-float conversion vectorizes on x86-64
                    let low = Int32((byte(p, 32 + (g >> 3) * 32 + j) >> shift) & 3)
                    let high = Int32(((byte(p, j) >> bit) & 1) ^ 1) << 2
                    o[g * 16 + jj] = dl * Float(low - high)
                }
            }
        }
    }

    /// Q4_K/Q5_K's 8 six-bit (scale, min) pairs packed in 12 bytes at `p`.
    @inline(__always)
    static func kScaleMin(_ p: UnsafeRawPointer, _ i: Int) -> (UInt8, UInt8) {
        if i < 4 { return (byte(p, i) & 0x3F, byte(p, i + 4) & 0x3F) }
        let sc = (byte(p, i + 4) & 0x0F) | ((byte(p, i - 4) >> 2) & 0x30)
        let m = (byte(p, i + 4) >> 4) | ((byte(p, i) >> 2) & 0x30)
        return (sc, m)
    }

    // 144 bytes: d, dmin, scales[12], qs[128]; element c*64 + h*32 + j is nibble h of qs[c*32 + j].
    static let dequantizeQ4_K: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 144, o = dst + b * 256
            let d = half(p, 0), dmin = half(p, 2)
            for i in 0..<8 {
                let (sc, m) = kScaleMin(p + 4, i)
                let ds = d * Float(sc), dm = dmin * Float(m)
                let shift = UInt8(i & 1) * 4, q = 16 + (i >> 1) * 32
                for j in 0..<32 {
                    o[i * 32 + j] = ds * Float((byte(p, q + j) >> shift) & 0x0F) - dm
                }
            }
        }
    }

    // 176 bytes: d, dmin, scales[12], qh[32] (bit i of qh[j] is element i*32 + j's fifth bit), qs[128].
    static let dequantizeQ5_K: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 176, o = dst + b * 256
            let d = half(p, 0), dmin = half(p, 2)
            for i in 0..<8 {
                let (sc, m) = kScaleMin(p + 4, i)
                let ds = d * Float(sc), dm = dmin * Float(m)
                let shift = UInt8(i & 1) * 4, q = 48 + (i >> 1) * 32
                for j in 0..<32 {
                    let low = (byte(p, q + j) >> shift) & 0x0F
                    let high = ((byte(p, 16 + j) >> UInt8(i)) & 1) << 4
                    o[i * 32 + j] = ds * Float(low | high) - dm
                }
            }
        }
    }

    // 210 bytes: ql[128] (4 low bits), qh[64] (2 high bits), scales[16] (int8), d.
    // In each 128-element half, ql byte l (and l + 32) holds elements l and l + 64
    // (l + 32 and l + 96) in its low and high nibble; qh byte l holds their high bits.
    static let dequantizeQ6_K: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 210, o = dst + b * 256
            let d = half(p, 208)
            for h in 0..<2 {
                let ql = p + h * 64, qh = p + 128 + h * 32, out = o + h * 128
                for part in 0..<2 {
                    let g = 192 + h * 8 + part
                    let d0 = d * Float(Int8(bitPattern: byte(p, g)))
                    let d1 = d * Float(Int8(bitPattern: byte(p, g + 2)))
                    let d2 = d * Float(Int8(bitPattern: byte(p, g + 4)))
                    let d3 = d * Float(Int8(bitPattern: byte(p, g + 6)))
                    for l in (part * 16)..<(part * 16 + 16) {
                        let a = byte(ql, l), c = byte(ql, l + 32), high = byte(qh, l)
                        out[l] = d0 * Float(Int32((a & 0x0F) | ((high & 3) << 4)) - 32)
                        out[l + 32] = d1 * Float(Int32((c & 0x0F) | (((high >> 2) & 3) << 4)) - 32)
                        out[l + 64] = d2 * Float(Int32((a >> 4) | (((high >> 4) & 3) << 4)) - 32)
                        out[l + 96] = d3 * Float(Int32((c >> 4) | (((high >> 6) & 3) << 4)) - 32)
                    }
                }
            }
        }
    }

    // 292 bytes: d (float32), qs[256] (int8), bsums[16] (unused here).
    static let dequantizeQ8_K: Kernel = { src, dst, blocks in
        for b in 0..<blocks {
            let p = src + b * 292, o = dst + b * 256
            let d = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            for j in 0..<256 {
                o[j] = d * Float(Int8(bitPattern: byte(p, 4 + j)))
            }
        }
    }
}
