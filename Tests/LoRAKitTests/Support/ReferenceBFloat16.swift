import LoRAKit

/// float32 → bfloat16 rounding written from its definition, not from the bias trick the library
/// uses: take the two bfloat16 values around x (truncation toward zero, and the next one away
/// from zero, which past the largest finite value is 2¹²⁸ as if the exponent had no limit),
/// keep the nearer in double precision, on a tie the one with an even last bit. NaN becomes
/// 0x7FC0 (PyTorch's choice). Also the special and boundary values worth testing.
enum ReferenceBFloat16 {
    static func bits(_ x: Float) -> UInt16 {
        if x.isNaN { return 0x7FC0 }
        if x.isInfinite { return UInt16(x.bitPattern >> 16) }
        let truncated = x.bitPattern & 0xFFFF_0000
        let below = Double(Float(bitPattern: truncated))
        let awayBits = truncated + 0x1_0000
        let awayFloat = Float(bitPattern: awayBits)
        let away = awayFloat.isInfinite ? Double(x.sign == .minus ? -1 : 1) * 0x1p128 : Double(awayFloat)
        let (toBelow, toAway) = (abs(Double(x) - below), abs(away - Double(x)))
        if toBelow < toAway { return UInt16(truncated >> 16) }
        if toAway < toBelow { return UInt16(awayBits >> 16) }
        return (truncated >> 16) & 1 == 0 ? UInt16(truncated >> 16) : UInt16(awayBits >> 16)
    }

    /// Ties (both parities), neighbours of ties, the largest finite values and what overflows,
    /// subnormals (the smallest, ties among them), signed zeros, infinities and NaNs (quiet,
    /// signalling, negative, with payloads).
    static let specialValues: [Float] = {
        var patterns: [UInt32] = [0x0000_0000, 0x8000_0000, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000,
                                  0x7F80_0001, 0xFF80_0001, 0x7FBF_FFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x7FC1_2345,
                                  0x7F7F_FFFF, 0xFF7F_FFFF, 0x7F7F_7FFF, 0x7F7F_8000, 0x7F7F_8001, 0x7F7E_8000, 0xFF7F_8000,
                                  0x0000_0001, 0x8000_0001, 0x0000_8000, 0x0001_8000, 0x0000_8001, 0x0000_7FFF, 0x007F_FFFF,
                                  0x0080_0000, 0x807F_8000, 0x3F80_0000, 0xBF80_0000]
        for top: UInt32 in [0x3F80, 0x3F81, 0xBF80, 0xBF81, 0x4049, 0x0001, 0x0080, 0x7F7E, 0x4B7F] {
            for low: UInt32 in [0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF] { patterns.append(top << 16 | low) }
        }
        return patterns.map { Float(bitPattern: $0) } + [1.00390625, 1.01171875, 0.1, -0.1, 3.1415927, 65504, Float(bitPattern: 0x0001_1C3A), -Float(bitPattern: 1)]
    }()
}
