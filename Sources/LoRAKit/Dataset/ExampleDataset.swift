/// Examples (one per JSONL line) as training data: each example its own sequence, right-padded
/// to the longest of its micro-batch, or with packing several examples per sequence of
/// `sequenceLength` tokens (positions restarting per example, attention block-diagonal). Padding
/// never has a loss. Examples longer than `sequenceLength` were truncated by the loader.
public struct ExampleDataset: TrainingData, Sendable {
    public let training: [TrainingExample]
    public let heldOut: [TrainingExample]
    public let sequenceLength: Int
    public let packing: Bool
    public let paddingID: Int32
    /// Examples per held-out micro-batch.
    public let evaluationBatch: Int
    /// With packing: the examples of each packed sequence.
    let packs: [[Int]]

    public init(training: [TrainingExample], heldOut: [TrainingExample], sequenceLength: Int, packing: Bool, paddingID: Int32,
                evaluationBatch: Int = 1) throws {
        guard !training.isEmpty else { throw TrainingError.invalidSetting("no training examples") }
        guard let longest = (training + heldOut).map(\.ids.count).max(), longest <= sequenceLength,
              (training + heldOut).allSatisfy({ !$0.ids.isEmpty }) else {
            throw TrainingError.invalidSetting("examples must hold 1 to \(sequenceLength) tokens (truncate them first)")
        }
        (self.training, self.heldOut, self.sequenceLength, self.packing) = (training, heldOut, sequenceLength, packing)
        (self.paddingID, self.evaluationBatch) = (paddingID, max(1, evaluationBatch))
        packs = packing ? ExamplePacking.bestFitDecreasing(lengths: training.map(\.ids.count), capacity: sequenceLength) : []
    }

    /// Packed sequences with packing, else examples.
    public var trainingItems: Int { packing ? packs.count : training.count }

    public func batch(of items: [Int]) throws -> SequenceBatch {
        packing ? try packedBatch(items.map { packs[$0].map { training[$0] } })
                : try paddedBatch(items.map { training[$0] })
    }

    /// Held-out examples, `evaluationBatch` at a time, padded (evaluation never packs: the
    /// loss is the same, and each example's own sequence is simplest to reason about).
    public func heldOutBatches() throws -> [SequenceBatch] {
        try stride(from: 0, to: heldOut.count, by: evaluationBatch).map { first in
            try paddedBatch(Array(heldOut[first..<min(heldOut.count, first + evaluationBatch)]))
        }
    }

    /// Trained tokens of the training examples.
    public var trainedTokens: Int { training.reduce(0) { $0 + $1.predictedTokens } }

    /// One example per sequence, right-padded to the longest: causal attention never lets a
    /// real token see the padding after it, so no mask is needed.
    func paddedBatch(_ examples: [TrainingExample]) throws -> SequenceBatch {
        let length = examples.map(\.ids.count).max()!
        var ids: [Int32] = [], labels: [Int32] = []
        for example in examples {
            let padding = length - example.ids.count
            ids += example.ids + [Int32](repeating: paddingID, count: padding)
            labels += example.labels + [Int32](repeating: -100, count: padding)
        }
        return try SequenceBatch(ids: ids, labels: labels, batch: examples.count)
    }

    /// Several examples per sequence, each sequence padded to the longest of the micro-batch
    /// with the padding as one more example of its own (positions from 0, no labels).
    func packedBatch(_ sequences: [[TrainingExample]]) throws -> SequenceBatch {
        let length = sequences.map { $0.reduce(0) { $0 + $1.ids.count } }.max()!
        var ids: [Int32] = [], labels: [Int32] = [], positions: [Int32] = []
        for examples in sequences {
            for example in examples {
                ids += example.ids
                labels += example.labels
                positions += (0..<Int32(example.ids.count)).map { $0 }
            }
            let padding = length - examples.reduce(0) { $0 + $1.ids.count }
            ids += [Int32](repeating: paddingID, count: padding)
            labels += [Int32](repeating: -100, count: padding)
            positions += (0..<Int32(padding)).map { $0 }
        }
        return try SequenceBatch(ids: ids, labels: labels, batch: sequences.count, positions: positions)
    }
}
