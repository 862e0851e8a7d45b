/// A micro-batch as the model takes it: `batch` sequences of equal length laid end to end, the
/// token each position must predict (−100 where there is no loss: prompts, padding, the last
/// position), and for packed sequences each token's position within its own example.
///
/// Packing puts several examples into one sequence: positions restart at 0 at each example, RoPE
/// uses them, and attention stays inside each example (block-diagonal causal attention), so a
/// packed batch gives the losses and gradients of its examples run alone.
public struct SequenceBatch: Sendable, Equatable {
    public let ids: [Int32]
    public let labels: [Int32]
    public let batch: Int
    /// nil: one example per sequence, positions 0..<length.
    public let positions: [Int32]?

    public var length: Int { ids.count / batch }
    /// Positions with a loss (label other than −100).
    public var predictedTokens: Int { labels.reduce(0) { $0 + ($1 == -100 ? 0 : 1) } }

    /// Checks that ids, labels and positions agree in count and split into `batch` sequences,
    /// and that positions restart at 0 and count up by one inside each sequence.
    public init(ids: [Int32], labels: [Int32], batch: Int, positions: [Int32]? = nil) throws {
        guard batch >= 1, !ids.isEmpty, ids.count % batch == 0, labels.count == ids.count, positions.map({ $0.count == ids.count }) ?? true else {
            throw ModelError.invalidConfig(file: "(input)", field: "batch",
                                           detail: "\(ids.count) ids, \(labels.count) labels and \(positions?.count ?? ids.count) positions do not split into \(batch) equal sequences")
        }
        let length = ids.count / batch
        if let positions, let bad = positions.indices.first(where: { n in
            let p = positions[n]
            return n % length == 0 ? p != 0 : !(p == 0 || p == positions[n - 1] + 1)
        }) {
            throw ModelError.invalidConfig(file: "(input)", field: "positions",
                                           detail: "position \(positions[bad]) at token \(bad) neither restarts at 0 nor follows \(bad % length == 0 ? "the sequence start" : "\(positions[bad - 1])")")
        }
        (self.ids, self.labels, self.batch, self.positions) = (ids, labels, batch, positions)
    }

    /// Language modelling on whole sequences: each position predicts the next token of its
    /// sequence, and the last position of every sequence nothing (transformers' shifted labels).
    public static func nextToken(_ ids: [Int32], batch: Int) throws -> SequenceBatch {
        guard batch >= 1, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError.invalidConfig(file: "(input)", field: "ids", detail: "\(ids.count) ids do not split into \(batch) equal sequences")
        }
        let length = ids.count / batch
        return try SequenceBatch(ids: ids, labels: (0..<ids.count).map { n in n % length == length - 1 ? -100 : ids[n + 1] }, batch: batch)
    }
}
