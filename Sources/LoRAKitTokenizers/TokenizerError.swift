/// Why a tokenizer could not be loaded: which file, which part of it, and what was wrong.
///
/// Every failure while reading `tokenizer.json` or `tokenizer_config.json` is one of these, so a
/// user sees e.g. `tokenizer.json: model: type "WordPiece" is not supported (only BPE)`.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file being read, as given by the caller (a path or a name).
    public let file: String
    /// The component or field, e.g. `model`, `normalizer.normalizers[1]`, `added_tokens[3]`.
    public let component: String
    /// What was wrong, in words.
    public let reason: String

    public init(file: String, component: String, reason: String) {
        self.file = file
        self.component = component
        self.reason = reason
    }

    public var description: String { "\(file): \(component): \(reason)" }
}
