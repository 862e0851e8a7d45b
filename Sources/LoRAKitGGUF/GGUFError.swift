/// An error reading, checking, decoding or writing a GGUF file.
///
/// Every error names the file, the field it concerns (for example
/// `tensor #3 'blk.0.attn_q.weight' offset` or `metadata key #12 'tokenizer.ggml.tokens' array length`)
/// and the reason, so a bad file can be diagnosed from the message alone.
public struct GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's name (or a caller-given label for in-memory data).
    public let file: String
    /// The header field, metadata key, tensor field or operation concerned.
    public let field: String
    /// What is wrong.
    public let reason: String

    /// Creates an error naming a file, a field and the reason.
    public init(file: String, field: String, reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    /// `file: field: reason`.
    public var description: String { "\(file): \(field): \(reason)" }
}
