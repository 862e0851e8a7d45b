import Foundation

/// The harness's deterministic generator (SplitMix64), seeded per case from the op and the shape's
/// label, so a failing case reproduces with the same inputs on every machine and run.
struct OpHarnessRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// A seed from a string by FNV-1a: Swift's `Hasher` is randomized per process, this is not.
    init(label: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3 }
        self.init(seed: hash)
    }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1) with 24 random bits, so every value is exactly a float32.
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Uniform in `range` (a float32 value).
    mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in uniform(range) }
    }

    /// Approximately standard normal (Irwin–Hall sum of 12 uniforms), for weight-like data.
    mutating func normals(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in scale * ((0..<12).reduce(Float(0)) { sum, _ in sum + unit() } - 6) }
    }

    mutating func integer(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    mutating func int32s(_ count: Int, in range: Range<Int>) -> [Int32] { (0..<count).map { _ in Int32(integer(range)) } }

    mutating func bits16(_ count: Int) -> [UInt16] { (0..<count).map { _ in UInt16(truncatingIfNeeded: next()) } }
}
