/// One example as token ids, with the tokens it trains on: `trained[n]` says whether the loss
/// includes predicting token n from the tokens before it.
public struct TrainingExample: Sendable, Equatable {
    public var ids: [Int32]
    public var trained: [Bool]

    public init(ids: [Int32], trained: [Bool]) {
        precondition(ids.count == trained.count, "one mask entry per token")
        self.ids = ids
        self.trained = trained
    }

    /// Tokens with a loss: trained tokens after the first position (the first predicts nothing).
    public var predictedTokens: Int { trained.dropFirst().reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Next-token labels: position n predicts token n + 1 where that token is trained, −100
    /// elsewhere and at the last position.
    public var labels: [Int32] {
        (0..<ids.count).map { n in n + 1 < ids.count && trained[n + 1] ? ids[n + 1] : -100 }
    }

    /// The first `length` tokens.
    public func truncated(to length: Int) -> TrainingExample {
        ids.count <= length ? self : TrainingExample(ids: Array(ids.prefix(length)), trained: Array(trained.prefix(length)))
    }
}
