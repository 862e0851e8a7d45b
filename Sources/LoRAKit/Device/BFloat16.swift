/// bfloat16, the top 16 bits of a float32 (sign, 8 exponent bits, 7 mantissa bits): how Llama 3,
/// Qwen2.5 and Mistral checkpoints ship. A storage type only, like `Float16` on devices without
/// `cl_khr_fp16`: every kernel widens it to float32 (exact: the bits shifted up by 16) and
/// computes in float32. Equality compares bit patterns (a storage type: NaN equals the same NaN).
public struct BFloat16: DeviceScalar, Hashable, CustomStringConvertible {
    public static var elementType: ElementType { .bfloat16 }

    public var bitPattern: UInt16

    public init(bitPattern: UInt16) {
        self.bitPattern = bitPattern
    }

    /// Rounds to nearest, ties to even, as PyTorch's `tensor.to(torch.bfloat16)` does (c10's
    /// `round_to_nearest_even`): values past the largest finite bfloat16 become ±∞, and every NaN
    /// becomes the quiet NaN 0x7FC0. Kernels/elementwise.cl rounds the same way.
    public init(_ value: Float) {
        let bits = value.bitPattern
        guard bits & 0x7FFF_FFFF <= 0x7F80_0000 else {
            bitPattern = 0x7FC0
            return
        }
        // Adding 0x7FFF (+1 when the kept part is odd) carries into bit 16 exactly when the
        // dropped half exceeds one half, or equals it with an odd kept part. No overflow: the
        // largest non-NaN pattern, 0xFF80_0000, stays below 2³².
        bitPattern = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    public var description: String { "\(Float(self))" }
}

extension Float {
    /// The bfloat16 value widened, exactly: its bits become the top half of a float32 (NaN
    /// payloads, infinities, subnormals and the sign of zero kept).
    public init(_ value: BFloat16) {
        self.init(bitPattern: UInt32(value.bitPattern) << 16)
    }
}
