import ArgumentParser
import Foundation
import LoRAKit

extension LossMask: ExpressibleByArgument {}

/// `--data` and `--train-on`: a data file and the tokens its examples train on.
struct DataOptions: ParsableArguments {
    @Option(help: "Data: .jsonl (text, prompt/completion or messages per line), or a text or LoRAKit token file.")
    var data: String
    @Option(help: "Tokens with a loss in .jsonl examples: completion (the completion or the assistant turns) or all.")
    var trainOn: LossMask = .completion

    /// The model's tokenizer for the data: bytes for a byte-level model, nil when it has none
    /// (token files still load).
    static func tokenizer(for checkpoint: ModelCheckpoint) throws -> (any ExampleTokenizer)? {
        if let tokenizer = try ModelTokenizer.of(checkpoint) { return tokenizer }
        return checkpoint.isByteLevel ? ByteLevelTokenizer() : nil
    }

    /// The data as training data, with `evaluation` held out when given.
    func load(model checkpoint: ModelCheckpoint, settings: DataSettings, evaluation: String? = nil) throws -> (data: any TrainingData, report: String) {
        var settings = settings
        settings.mask = trainOn
        return try TrainingDataLoader.load(URL(fileURLWithPath: data), evaluation: evaluation.map { URL(fileURLWithPath: $0) },
                                           tokenizer: Self.tokenizer(for: checkpoint), vocabularySize: checkpoint.config.vocabularySize,
                                           settings: settings)
    }
}
