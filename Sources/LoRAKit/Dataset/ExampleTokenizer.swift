/// What turning dataset records into token ids needs of a model's tokenizer and chat template.
public protocol ExampleTokenizer {
    /// Token ids of `text`; `addSpecialTokens` adds what the tokenizer's post-processor adds
    /// (Llama's BOS), as `tokenizer(text)` does in transformers.
    func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int32]
    /// Appended to texts and completions that do not end with it, as TRL does (nil: none).
    var eosToken: String? { get }
    /// The id that pads sequences (its labels are ignored, so any id works).
    var paddingID: Int32 { get }
    /// The chat template's rendering of `messages`, with the assistant header after them when
    /// `addGenerationPrompt` (transformers' `apply_chat_template(tokenize=False)`). Throws when
    /// the model has no chat template.
    func renderChat(_ messages: [ChatTurn], addGenerationPrompt: Bool) throws -> String
    /// The UTF-8 byte ranges of the rendering that the template marks with
    /// `{% generation %}` (transformers' assistant mask, which TRL's assistant_only_loss uses);
    /// nil when the template has no such marks.
    func generationSpans(_ messages: [ChatTurn]) throws -> [Range<Int>]?
}

extension ExampleTokenizer {
    public func generationSpans(_ messages: [ChatTurn]) throws -> [Range<Int>]? { nil }
}

/// Byte-level models (vocabulary 256, no tokenizer file): each UTF-8 byte is one token, with no
/// special tokens and no chat template.
public struct ByteLevelTokenizer: ExampleTokenizer {
    public init() {}

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] { text.utf8.map { Int32($0) } }
    public var eosToken: String? { nil }
    public var paddingID: Int32 { 0 }

    public func renderChat(_ messages: [ChatTurn], addGenerationPrompt: Bool) throws -> String {
        throw DatasetError(file: "(model)", line: 0,
                           "a byte-level model has no chat template; conversations need a model folder with tokenizer.json and a chat template")
    }
}
