import Foundation

/// One parser under fuzzing: a name for `ci/fuzz`, and the work one input drives through it.
///
/// `run` throws when the parser rejects the input, which is an expected outcome; a crash,
/// a hang or an unbounded allocation is what fuzzing looks for. The same functions run the
/// committed seed corpora and crash inputs as ordinary tests (FuzzCorpusTests), so a seed that
/// stops parsing, or a fixed crash that comes back, fails the test suite.
public struct FuzzTarget: Sendable {
    public let name: String
    /// What the input is, for `ci/fuzz --list`.
    public let summary: String
    public let run: @Sendable (Data) throws -> Void

    public init(name: String, summary: String, run: @escaping @Sendable (Data) throws -> Void) {
        self.name = name
        self.summary = summary
        self.run = run
    }

    /// Every target, one per parser LoRAKit applies to files from strangers.
    public static let all: [FuzzTarget] = [
        .safeTensors, .safeTensorsIndex, .modelConfig, .adapterConfig, .quantState, .tokenFile,
        .tokenizer, .tokenizerConfig, .chatTemplate, .jsonlDataset, .gguf,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
