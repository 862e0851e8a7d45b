import Foundation

/// How `lorakit train` and `eval` turn data files into training data.
public struct DataSettings: Sendable {
    public var sequenceLength: Int
    /// Fraction held out from `--data` (windows of a text, examples of a JSONL file); ignored
    /// when a separate evaluation file is given.
    public var heldOutFraction: Double
    public var seed: UInt64 = 0
    public var packing = false
    public var mask = LossMask.completion
    /// Examples per held-out micro-batch.
    public var evaluationBatch = 1

    public init(sequenceLength: Int, heldOutFraction: Double) {
        self.sequenceLength = sequenceLength
        self.heldOutFraction = heldOutFraction
    }
}

/// Data files by their kind: `.jsonl` is a dataset of examples (`DatasetRecord`); anything else
/// is a token stream cut into windows: a LoRAKit token file, or text, encoded whole (bytes for a
/// byte-level model).
public enum TrainingDataLoader {
    /// The training data of `url`, held out from it or from `evaluation`, and a line saying
    /// what was loaded. Without a tokenizer, only token files load.
    public static func load(_ url: URL, evaluation: URL? = nil, tokenizer: (any ExampleTokenizer)?, vocabularySize: Int,
                            settings: DataSettings) throws -> (data: any TrainingData, report: String) {
        let (training, report) = try loadOne(url, tokenizer: tokenizer, vocabularySize: vocabularySize, settings: settings,
                                             heldOut: evaluation == nil ? settings.heldOutFraction : 0)
        guard let evaluation else { return (training, report) }
        var unpacked = settings
        unpacked.packing = false   // evaluation takes each example on its own
        let (held, heldReport) = try loadOne(evaluation, tokenizer: tokenizer, vocabularySize: vocabularySize, settings: unpacked, heldOut: 0)
        let batches = try stride(from: 0, to: held.trainingItems, by: settings.evaluationBatch).map { first in
            try held.batch(of: Array(first..<min(held.trainingItems, first + settings.evaluationBatch)))
        }
        return (SeparateEvaluation(training: training, evaluation: batches), report + "; evaluation on " + heldReport)
    }

    private static func loadOne(_ url: URL, tokenizer: (any ExampleTokenizer)?, vocabularySize: Int, settings: DataSettings,
                                heldOut: Double) throws -> (any TrainingData, String) {
        guard url.pathExtension.lowercased() == "jsonl" else {
            let tokens = try tokenizer.map { tokenizer in
                tokenizer is ByteLevelTokenizer   // bytes as they are, UTF-8 or not
                    ? try TokenFile.load(url, vocabularySize: vocabularySize, byteLevel: true)
                    : try TokenFile.load(url, vocabularySize: vocabularySize, encode: { try tokenizer.encode($0, addSpecialTokens: false) })
            } ?? TokenFile.load(url, vocabularySize: vocabularySize, byteLevel: false)
            let windows = try TokenWindows(tokens: tokens, length: settings.sequenceLength, heldOutFraction: heldOut, source: url.path)
            return (windows, "\(url.lastPathComponent): \(tokens.count) tokens, \(windows.trainingWindows) training and \(windows.heldOutWindows) held-out windows of \(settings.sequenceLength)")
        }
        guard let tokenizer else {
            throw DatasetError(file: url.path, line: 0, "a JSONL dataset needs the model's tokenizer (tokenizer.json in the model folder) or a byte-level model")
        }
        let encoder = ExampleEncoder(tokenizer: tokenizer, mask: settings.mask)
        let (examples, summary) = try ExampleLoader.examples(url, encoder: encoder, sequenceLength: settings.sequenceLength)
        if let bad = examples.lazy.flatMap(\.ids).first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw DatasetError(file: url.path, line: 0, "token id \(bad) is outside the model's vocabulary of \(vocabularySize): the tokenizer does not fit the model")
        }
        let (training, held) = try ExampleLoader.split(examples, heldOutFraction: heldOut, seed: settings.seed)
        let data = try ExampleDataset(training: training, heldOut: held, sequenceLength: settings.sequenceLength, packing: settings.packing,
                                      paddingID: tokenizer.paddingID, evaluationBatch: settings.evaluationBatch)
        var report = "\(url.lastPathComponent): \(summary.examples) \(summary.format) examples"
            + (heldOut > 0 ? " (\(training.count) training, \(held.count) held out), " : ", ")
            + "\(summary.trainedTokens) of \(summary.tokens) tokens trained (\(settings.mask == .all ? "all tokens" : "completions only"))"
        if summary.truncated > 0 { report += ", \(summary.truncated) truncated at \(settings.sequenceLength) tokens" }
        if summary.dropped > 0 { report += ", \(summary.dropped) dropped (no trained token left)" }
        if settings.packing { report += ", packed into \(data.trainingItems) sequences" }
        return (data, report)
    }
}

/// Training data whose held-out batches come from a separate file (`--eval-data`).
struct SeparateEvaluation: TrainingData {
    let training: any TrainingData
    let evaluation: [SequenceBatch]

    var trainingItems: Int { training.trainingItems }
    var sequenceLength: Int { training.sequenceLength }
    func batch(of items: [Int]) throws -> SequenceBatch { try training.batch(of: items) }
    func heldOutBatches() throws -> [SequenceBatch] { evaluation }
}
