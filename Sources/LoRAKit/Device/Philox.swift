/// Philox4x32-10, the counter-based generator of Salmon et al. (SC'11, the Random123 library):
/// a pure function of a 128-bit counter and a 64-bit key, so any element's random number can be
/// computed anywhere, in any order. `Kernels/lora.cl` implements the same function; both are
/// checked against Random123's published answers.
public enum Philox {
    public typealias Counter = SIMD4<UInt32>
    public typealias Key = SIMD2<UInt32>

    private static let multiplier0: UInt32 = 0xD251_1F53
    private static let multiplier1: UInt32 = 0xCD9E_8D57
    private static let weyl0: UInt32 = 0x9E37_79B9
    private static let weyl1: UInt32 = 0xBB67_AE85

    /// Four random 32-bit words for `counter` under `key`.
    @inline(__always)
    public static func generate(counter: Counter, key: Key) -> Counter {
        // Scalars rather than SIMD lanes: the optimiser keeps them in registers.
        var (c0, c1, c2, c3) = (counter[0], counter[1], counter[2], counter[3])
        var (k0, k1) = (key[0], key[1])
        for round in 0..<10 {
            if round > 0 {
                k0 &+= weyl0
                k1 &+= weyl1
            }
            let (hi0, lo0) = multiplier0.multipliedFullWidth(by: c0)
            let (hi1, lo1) = multiplier1.multipliedFullWidth(by: c2)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
        }
        return Counter(c0, c1, c2, c3)
    }
}

/// Names one dropout mask: the training run's `seed`, the layer (`stream`) and the optimizer
/// `step`. The mask of element e of a tensor is Philox word e mod 4 of counter
/// (e / 4 low, e / 4 high, stream, step) under key (seed low, seed high), so the backward pass
/// regenerates the forward's mask instead of storing it, and every device draws the same mask.
public struct DropoutKey: Sendable, Hashable, CustomStringConvertible {
    public var seed: UInt64
    public var stream: UInt32
    public var step: UInt32

    public init(seed: UInt64, stream: UInt32, step: UInt32) {
        self.seed = seed
        self.stream = stream
        self.step = step
    }

    var philoxKey: Philox.Key { Philox.Key(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

    /// The counter of the block holding elements 4·block ..< 4·block + 4.
    func counter(block: Int) -> Philox.Counter {
        let block = UInt64(block)
        return Philox.Counter(UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32), stream, step)
    }

    public var description: String { "dropout(seed: \(seed), stream: \(stream), step: \(step))" }

    /// The mask factors (0 or 1/(1 − p)) of elements 0..<count at drop probability p: what
    /// `Device.dropout` multiplies by. For references and inspection; the devices never store it.
    public func maskFactors(count: Int, probability: Float) -> [Float] {
        let rule = DropoutRule(probability: probability)
        return (0..<count).map { rule.factor(of: $0, key: self) }
    }
}

/// Integer form of a drop probability, shared by both backends so that they keep exactly the same
/// elements: element e is dropped when its Philox word is below `threshold`, and kept ones are
/// multiplied by `keepScale` = 1/(1 − p).
struct DropoutRule: Sendable, Equatable {
    let threshold: UInt32
    let keepScale: Float

    init(probability: Float) {
        let scaled = (Double(probability) * 4_294_967_296.0).rounded()
        threshold = UInt32(min(max(scaled, 0), 4_294_967_295))
        keepScale = 1 / (1 - probability)
    }

    /// The mask factor (0 or 1/(1 − p)) of element `index` under `key`; for references and tests.
    func factor(of index: Int, key: DropoutKey) -> Float {
        let words = Philox.generate(counter: key.counter(block: index / 4), key: key.philoxKey)
        return words[index % 4] < threshold ? 0 : keepScale
    }
}

extension Philox {
    /// `generate` for four counters at once, lane i of the result holding word `w` of counter i in
    /// `words[w]`. SIMD lanes let the multiplies run as vector instructions (pmuludq on x86-64),
    /// which makes host dropout several times faster than four scalar calls.
    @inline(__always)
    static func generate4(c0: SIMD4<UInt32>, c1: SIMD4<UInt32>, c2: SIMD4<UInt32>, c3: SIMD4<UInt32>,
                          key: Key) -> (SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>, SIMD4<UInt32>) {
        var (c0, c1, c2, c3) = (c0, c1, c2, c3)
        var (k0, k1) = (key[0], key[1])
        let m0 = SIMD4<UInt64>(repeating: UInt64(multiplier0)), m1 = SIMD4<UInt64>(repeating: UInt64(multiplier1))
        for round in 0..<10 {
            if round > 0 {
                k0 &+= weyl0
                k1 &+= weyl1
            }
            let product0 = SIMD4<UInt64>(truncatingIfNeeded: c0) &* m0
            let product1 = SIMD4<UInt64>(truncatingIfNeeded: c2) &* m1
            let hi0 = SIMD4<UInt32>(truncatingIfNeeded: product0 &>> 32), lo0 = SIMD4<UInt32>(truncatingIfNeeded: product0)
            let hi1 = SIMD4<UInt32>(truncatingIfNeeded: product1 &>> 32), lo1 = SIMD4<UInt32>(truncatingIfNeeded: product1)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ SIMD4(repeating: k0), lo1, hi0 ^ c3 ^ SIMD4(repeating: k1), lo0)
        }
        return (c0, c1, c2, c3)
    }
}
