import Foundation

/// Seeded, order-independent random numbers for parameter initialisation, drawn from Philox under
/// a key kept apart from dropout's, so a layer's initial A depends only on (seed, stream).
struct ParameterInitializer {
    let seed: UInt64
    let stream: UInt32

    private var key: Philox.Key {
        // "init" in the high word separates this key domain from dropout's.
        Philox.Key(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32) ^ 0x696E_6974)
    }

    /// `count` uniform values in [0, 1) with 24-bit resolution.
    func uniform(count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        let key = key
        for block in 0..<(count + 3) / 4 {
            let words = Philox.generate(counter: Philox.Counter(UInt32(truncatingIfNeeded: block),
                                                                UInt32(truncatingIfNeeded: block >> 32), stream, 0),
                                        key: key)
            for lane in 0..<min(4, count - 4 * block) {
                values[4 * block + lane] = Float(words[lane] >> 8) * 0x1p-24
            }
        }
        return values
    }

    /// U(−bound, bound).
    func uniform(count: Int, bound: Float) -> [Float] {
        uniform(count: count).map { (2 * $0 - 1) * bound }
    }

    /// N(0, std²) by the Box–Muller transform.
    func normal(count: Int, standardDeviation: Float) -> [Float] {
        let u = uniform(count: 2 * count)
        return (0..<count).map { i in
            let radius = (-2 * log(Double(1 - u[2 * i]))).squareRoot()   // 1 − u ∈ (0, 1]: log is finite
            return Float(radius * cos(2 * Double.pi * Double(u[2 * i + 1]))) * standardDeviation
        }
    }

    /// A's initial values for an adapter of `rank` over `inFeatures` inputs.
    func loraA(rank: Int, inFeatures: Int, initialization: LoRAInitialization) -> [Float] {
        switch initialization {
        case .kaimingUniform:
            // kaiming_uniform_(a=√5): gain √(2/(1+a²)) = √(1/3), bound = gain·√3/√fan_in = 1/√in.
            return uniform(count: rank * inFeatures, bound: 1 / Float(inFeatures).squareRoot())
        case .gaussian:
            return normal(count: rank * inFeatures, standardDeviation: 1 / Float(rank))
        }
    }
}
