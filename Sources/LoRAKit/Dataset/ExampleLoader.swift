import Foundation

/// What loading a JSONL dataset did, for the progress report.
public struct ExampleSummary: Sendable, Equatable {
    public var format = ""
    public var examples = 0
    /// Examples longer than the sequence length, cut to it.
    public var truncated = 0
    /// Examples left with no trained token within the sequence length (a prompt that fills it).
    public var dropped = 0
    /// Tokens with a loss, over all kept examples.
    public var trainedTokens = 0
    public var tokens = 0
}

/// Loads JSONL datasets into examples: records → ids and loss masks → truncated to the
/// sequence length → split into training and held-out examples.
public enum ExampleLoader {
    /// The examples of `url` and what loading them did.
    public static func examples(_ url: URL, encoder: ExampleEncoder, sequenceLength: Int) throws -> ([TrainingExample], ExampleSummary) {
        let records = try JSONLReader.records(url)
        var summary = ExampleSummary(format: records[0].format)
        var examples: [TrainingExample] = []
        for (index, record) in records.enumerated() {
            var example = try encoder.encode(record, file: url.path, line: index + 1)
            if example.ids.count > sequenceLength {
                example = example.truncated(to: sequenceLength)
                summary.truncated += 1
            }
            guard example.predictedTokens > 0 else {
                summary.dropped += 1
                continue
            }
            examples.append(example)
            summary.trainedTokens += example.predictedTokens
            summary.tokens += example.ids.count
        }
        summary.examples = examples.count
        guard !examples.isEmpty else {
            throw DatasetError(file: url.path, line: 0, "no example has a trained token within --seq-len \(sequenceLength) (\(summary.dropped) dropped)")
        }
        return (examples, summary)
    }

    /// `heldOutFraction` of the examples (at least one when there are two or more and the
    /// fraction is positive), chosen by a seeded shuffle so a sorted file still gives a fair
    /// sample; both parts keep the file's order.
    public static func split(_ examples: [TrainingExample], heldOutFraction: Double, seed: UInt64) throws
        -> (training: [TrainingExample], heldOut: [TrainingExample]) {
        guard (0..<1).contains(heldOutFraction) else { throw TrainingError.invalidSetting("held-out fraction \(heldOutFraction) must be in [0, 1)") }
        var count = Int((Double(examples.count) * heldOutFraction).rounded())
        if heldOutFraction > 0, examples.count >= 2 { count = max(1, count) }
        count = min(count, examples.count - 1)
        // Epoch 2³²−1 is never a training epoch, so this permutation is not the first epoch's order.
        let held = Set(SeededOrder.shuffled(count: examples.count, epoch: Int(UInt32.max), seed: seed).prefix(count))
        return (examples.indices.filter { !held.contains($0) }.map { examples[$0] }, held.sorted().map { examples[$0] })
    }
}
