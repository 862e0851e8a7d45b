import Foundation

/// Sampling text from a model through a key/value cache: the prompt runs once, then each new
/// token costs one token's forward pass. When the cache is full (max_position_embeddings), it
/// restarts from the last half of the text. Generation ends after `count` tokens or at a stop
/// token (the tokenizer's EOS or end-of-turn).
public struct TextGenerator {
    public let model: LlamaModel
    /// 0 picks the most likely token (greedy); otherwise softmax(logits / temperature).
    public var temperature: Float = 0.8
    /// Sample among the k most likely tokens (0: all).
    public var topK = 40
    public var seed: UInt64 = 0
    /// Tokens that end generation (kept as the last token of the result).
    public var stopTokens: Set<Int32> = []

    public init(model: LlamaModel) throws {
        self.model = model
    }

    /// `prompt` followed by up to `count` generated tokens, as token ids; `onToken` sees each
    /// new token as it is chosen (for streaming).
    public func continuation(of prompt: [Int32], count: Int, onToken: ((Int32) throws -> Void)? = nil) throws -> [Int32] {
        guard !prompt.isEmpty else { throw ModelError.invalidConfig(file: "(generate)", field: "prompt", detail: "is empty") }
        guard temperature >= 0, temperature.isFinite, topK >= 0 else {
            throw ModelError.invalidConfig(file: "(generate)", field: "temperature", detail: "temperature \(temperature) and top-k \(topK) must be non-negative")
        }
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= model.config.vocabularySize }) {
            throw ModelError.invalidConfig(file: "(generate)", field: "prompt", detail: "token id \(bad) is outside the vocabulary of \(model.config.vocabularySize)")
        }
        var tokens = prompt
        let cache = try KeyValueCache(for: model)
        let key = Philox.Key(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32) ^ 0x6765_6E21)   // "gen!"
        let vocabulary = model.config.vocabularySize
        /// The last row of the logits of `ids`, decoded after what the cache holds.
        func nextLogits(_ ids: [Int32]) throws -> [Float] {
            try model.decode(ids, cache: cache).download(range: ((ids.count - 1) * vocabulary)..<(ids.count * vocabulary))
        }
        var logits = try nextLogits(Array(prompt.suffix(cache.capacity)))
        for index in 0..<count {
            let token = Int32(pick(logits, random: Philox.generate(counter: .init(UInt32(index), 0, 0, 0), key: key)[0]))
            tokens.append(token)
            try onToken?(token)
            guard index < count - 1, !stopTokens.contains(token) else { break }
            if cache.length == cache.capacity {
                cache.reset()
                logits = try nextLogits(Array(tokens.suffix(max(1, cache.capacity / 2))))
            } else {
                logits = try nextLogits([token])
            }
        }
        return tokens
    }

    func pick(_ logits: [Float], random: UInt32) -> Int {
        let best = logits.indices.max { logits[$0] < logits[$1] }!
        guard temperature > 0 else { return best }
        var candidates = Array(logits.indices)
        if topK > 0, topK < candidates.count {
            candidates = Array(candidates.sorted { logits[$0] > logits[$1] }.prefix(topK))
        }
        let weights = candidates.map { exp(Double((logits[$0] - logits[best]) / temperature)) }
        var threshold = Double(random) / 4_294_967_296.0 * weights.reduce(0, +)
        for (candidate, weight) in zip(candidates, weights) {
            threshold -= weight
            if threshold < 0 { return candidate }
        }
        return candidates.last!
    }
}
