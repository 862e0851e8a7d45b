import Foundation

/// A QLoRA base of any shape made on the fly, for measuring memory and speed at sizes whose
/// float checkpoint would not fit on disk (Llama-3-8B in float32 is 32 GB): every Linear weight
/// of the decoder layers is NF4 with random codes and double-quantized absmax, as bitsandbytes
/// stores it; the embedding and LM head are BF16 (as Llama 3, Qwen2.5 and Mistral ship them),
/// uniform in ±0.035 (standard deviation 0.02, transformers' initializer range); norms are one,
/// biases zero. Each tensor is drawn only when the model asks for it, from a seeded stream of
/// its own, so loading stages one tensor at a time on the host, never the whole model.
public struct SyntheticCheckpoint: Sendable {
    public let config: ModelConfig
    public let seed: UInt64
    /// The NF4 block size (bitsandbytes' default 64; nested blocks of 256).
    public var blockSize = 64

    /// Shapes by tensor name.
    let shapes: [String: [Int]]
    /// Each tensor's random stream: its index in the configuration's order.
    private let streams: [String: UInt64]

    public init(config: ModelConfig, seed: UInt64 = 1) {
        self.config = config
        self.seed = seed
        let tensors = config.expectedTensors
        shapes = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.shape) })
        streams = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($0.element.name, UInt64($0.offset)) })
    }

    /// Whether `name` is one of the NF4 Linear weights (the decoder layers' matrices).
    func isQuantized(_ name: String) -> Bool {
        name.hasPrefix("model.layers.") && name.hasSuffix(".weight") && shapes[name]?.count == 2
    }

    /// A dense tensor as stored: BF16 matrices (embedding, head), float32 vectors (norms one, biases zero).
    func stored(_ name: String) throws -> (dtype: SafeTensorsDType, shape: [Int], bytes: Data) {
        guard let shape = shapes[name], !isQuantized(name) else {
            throw ModelError.missingTensor(file: "(synthetic \(config.modelType))", tensor: name)
        }
        let count = shape.reduce(1, *)
        if shape.count == 1 {
            let value: Float = name.hasSuffix("norm.weight") ? 1 : 0
            return (.f32, shape, [Float](repeating: value, count: count).withUnsafeBufferPointer { Data(buffer: $0) })
        }
        var random = SplitMix64(seed: seed, stream: streamIndex(name))
        // Uniform in ±0.035 has standard deviation 0.0202; BF16 keeps the top half of the float's bits.
        let values = (0..<count).map { _ in BFloat16(Float(random.unit() * 2 - 1) * 0.035) }
        return (.bf16, shape, values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    /// A Linear weight as NF4: random 4-bit codes, absmax codes around 0.05 in the nested layout.
    func nf4(_ name: String) throws -> NF4Tensor {
        guard let shape = shapes[name], isQuantized(name) else {
            throw ModelError.missingTensor(file: "(synthetic \(config.modelType))", tensor: name)
        }
        let count = shape.reduce(1, *)
        var random = SplitMix64(seed: seed, stream: streamIndex(name))
        let packed = random.bytes(count: (count + 1) / 2)
        let blocks = (count + blockSize - 1) / blockSize
        let nested = DoubleQuantizedAbsmax(codes: random.bytes(count: blocks), scales: [Float](repeating: 0.02, count: (blocks + 255) / 256),
                                           offset: 0.05, blockSize: 256)
        return try NF4Tensor(shape: shape, blockSize: blockSize, packed: packed, absmax: .doubleQuantized(nested), originalDType: .bf16)
    }

    private func streamIndex(_ name: String) -> UInt64 { streams[name] ?? 0 }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a fast, seedable stream, enough for synthetic weights.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64, stream: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 ^ (stream &+ 1) &* 0xBF58_476D_1CE4_E5B9 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53-bit resolution.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func bytes(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                var word = next()
                withUnsafeBytes(of: &word) { w in
                    for i in 0..<min(8, count - offset) { raw[offset + i] = w[i] }
                }
                offset += 8
            }
        }
        return out
    }
}
