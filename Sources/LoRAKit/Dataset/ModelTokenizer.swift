import Foundation
import LoRAKitGGUF
import LoRAKitJinja
import LoRAKitTokenizers

/// A model folder's tokenizer (`tokenizer.json`, `tokenizer_config.json`) and chat template
/// (`chat_template.jinja` or the config's `chat_template`), as datasets, `tokenize` and
/// `generate` use them: the ids of transformers' `tokenizer(text)` and the text of its
/// `apply_chat_template`.
public final class ModelTokenizer: ExampleTokenizer, @unchecked Sendable {
    public let tokenizer: Tokenizer
    public let template: ChatTemplate?
    /// What the template sees of the special tokens (transformers passes its special_tokens_map).
    let specialTokens: [String: Value]

    /// Reads the folder's tokenizer files, or a `.gguf` file's tokenizer metadata (see
    /// `init(gguf:)`); the template is parsed now, so a bad one fails here.
    public convenience init(folder: URL) throws {
        if Self.isGGUF(folder) {
            try self.init(gguf: folder)
            return
        }
        let tokenizer = try Tokenizer(folder: folder)
        try self.init(tokenizer: tokenizer, template: tokenizer.config.chatTemplate.map {
            try ChatTemplate(source: $0, name: folder.appendingPathComponent("chat_template").path)
        })
    }

    /// A tokenizer with a template of its own or another's (nil: none).
    public init(tokenizer: Tokenizer, template: ChatTemplate?) throws {
        self.tokenizer = tokenizer
        self.template = template
        let config = tokenizer.config
        var special: [String: Value] = [:]
        for (key, token) in [("bos_token", config.bosToken), ("eos_token", config.eosToken), ("unk_token", config.unkToken),
                             ("pad_token", config.padToken)] {
            if let token { special[key] = .string(token) }
        }
        specialTokens = special
    }

    /// A GGUF model's tokenizer, with llama.cpp's ids, and its `tokenizer.chat_template`.
    public convenience init(gguf url: URL) throws {
        try self.init(gguf: GGUFFile(contentsOf: url), name: url.lastPathComponent)
    }

    /// The tokenizer of a GGUF file already open.
    convenience init(gguf file: GGUFFile, name: String) throws {
        let tokenizer = try Tokenizer(gguf: GGUFVocabulary(file: file))
        try self.init(tokenizer: tokenizer, template: tokenizer.config.chatTemplate.map {
            try ChatTemplate(source: $0, name: name + ": tokenizer.chat_template")
        })
    }

    /// The tokenizer of a model: its folder's tokenizer.json, or its GGUF file's metadata (read
    /// from the file the checkpoint already opened); nil when it has neither.
    public static func of(_ checkpoint: ModelCheckpoint) throws -> ModelTokenizer? {
        if let gguf = checkpoint.gguf {
            guard gguf.file.metadata["tokenizer.ggml.tokens"] != nil else { return nil }
            return try ModelTokenizer(gguf: gguf.file, name: checkpoint.folder.lastPathComponent)
        }
        return exists(in: checkpoint.folder) ? try ModelTokenizer(folder: checkpoint.folder) : nil
    }

    /// Whether `folder` holds a tokenizer.json, or is a `.gguf` file with tokenizer metadata.
    public static func exists(in folder: URL) -> Bool {
        if isGGUF(folder) { return (try? GGUFFile(contentsOf: folder))?.metadata["tokenizer.ggml.tokens"] != nil }
        return FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path)
    }

    private static func isGGUF(_ url: URL) -> Bool { url.pathExtension.lowercased() == "gguf" }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] { tokenizer.encode(text, addSpecialTokens: addSpecialTokens) }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    public var eosToken: String? { tokenizer.config.eosToken }

    /// The pad token's id, else EOS's (as TRL pads with EOS when there is no pad token), else 0.
    public var paddingID: Int32 {
        tokenizer.config.padToken.flatMap(tokenizer.id(of:)) ?? tokenizer.config.eosToken.flatMap(tokenizer.id(of:)) ?? 0
    }

    /// Ids that end generation: EOS, and the end-of-turn tokens of common templates that the
    /// vocabulary has (`<|im_end|>`, `<|eot_id|>`, `<|end|>`, `<end_of_turn>`).
    public var stopTokens: Set<Int32> {
        let names = [tokenizer.config.eosToken].compactMap { $0 } + ["<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>"]
        return Set(names.compactMap(tokenizer.id(of:)))
    }

    public func generationSpans(_ messages: [ChatTurn]) throws -> [Range<Int>]? {
        guard let template, template.source.range(of: #"\{%-?\s*generation\s*-?%\}"#, options: .regularExpression) != nil else { return nil }
        return try template.renderWithGenerationSpans(messages: Self.values(messages), variables: specialTokens).generationUTF8Spans
    }

    public func renderChat(_ messages: [ChatTurn], addGenerationPrompt: Bool) throws -> String {
        guard let template else {
            throw DatasetError(file: "(model)", line: 0, "the tokenizer has no chat template (tokenizer_config.json chat_template or chat_template.jinja)")
        }
        return try template.render(messages: Self.values(messages), addGenerationPrompt: addGenerationPrompt, variables: specialTokens)
    }

    /// Messages as the template sees them: dicts of role and content.
    private static func values(_ messages: [ChatTurn]) -> [Value] {
        messages.map { ["role": .string($0.role), "content": .string($0.content)] }
    }
}
