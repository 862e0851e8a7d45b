import Foundation

/// A Hugging Face tokenizer read from `tokenizer.json`, encoding and decoding exactly as the
/// `tokenizers` Python package does (for the components it supports; others are refused at load).
///
/// Encoding runs tokenizers' pipeline: added tokens are cut out of the raw text first, each
/// remaining piece is normalized (and searched again for added tokens marked `normalized`),
/// pre-tokenized, and split by the BPE model; the post-processor then adds special tokens.
///
/// ```swift
/// let tokenizer = try Tokenizer(folder: URL(fileURLWithPath: "SmolLM2"))
/// let ids = tokenizer.encode("Hello", addSpecialTokens: true)
/// let text = tokenizer.decode(ids, skipSpecialTokens: true)
/// ```
public final class Tokenizer: Sendable {
    /// What `tokenizer_config.json` (and `chat_template.jinja`) said.
    public let config: TokenizerConfig
    private let parts: TokenizerJSON
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let addedByContent: [ExactString: Int32]
    /// How an added token reads when decoded: a `normalized` one as the normalizer rewrites it
    /// (tokenizers decodes a normalized "X" under Lowercase as "x").
    private let addedText: [Int32: String]
    /// The text of every special added token.
    private let specialContents: Set<ExactString>
    /// Set for a tokenizer from GGUF metadata, which encodes and decodes as llama.cpp does.
    private let llama: LlamaVocab?

    /// Reads `tokenizer.json`, and `tokenizer_config.json` and `chat_template.jinja` if present.
    public convenience init(folder: URL) throws {
        let url = folder.appendingPathComponent("tokenizer.json")
        try self.init(json: try TokenizerConfig.read(url), path: url.path, config: try TokenizerConfig(folder: folder))
    }

    /// Reads tokenizer.json content; `path` names the file in errors.
    public init(json: Data, path: String, config: TokenizerConfig = .init()) throws {
        self.config = config
        llama = nil
        parts = try TokenizerJSON(json: json, path: path)
        let raw = parts.addedTokens.filter { !$0.normalized }
        let normalized = parts.addedTokens.filter(\.normalized)
        rawMatcher = AddedTokenMatcher(tokens: raw, patterns: raw.map(\.content))
        // A normalized added token is looked for as the normalizer would have rewritten it.
        let normalizer = parts.normalizer
        let patterns = normalized.map { normalizer?.normalize($0.content) ?? $0.content }
        normalizedMatcher = AddedTokenMatcher(tokens: normalized, patterns: patterns)
        var addedText = Dictionary(raw.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first })
        for (token, pattern) in zip(normalized, patterns) where addedText[token.id] == nil { addedText[token.id] = pattern }
        self.addedText = addedText
        specialContents = Set(parts.addedTokens.filter(\.special).map { ExactString($0.content) })
        vocabularySize = max(parts.model.tokens.count, Int(parts.addedTokens.map(\.id).max() ?? -1) + 1)
        addedByContent = Dictionary(parts.addedTokens.map { (ExactString($0.content), $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    /// A GGUF vocabulary's tokenizer: its vocabulary and no added tokens of tokenizer.json's kind.
    init(llama: LlamaVocab, config: TokenizerConfig) {
        self.config = config
        self.llama = llama
        parts = TokenizerJSON(model: llama.model)
        rawMatcher = AddedTokenMatcher(tokens: [], patterns: [])
        normalizedMatcher = rawMatcher
        (addedText, specialContents, addedByContent) = ([:], [], [:])
        vocabularySize = llama.model.tokens.count
    }

    /// The ids of `text`. With `addSpecialTokens`, the post-processor's tokens (e.g. BOS) are added
    /// (for a GGUF vocabulary: BOS and EOS as its `add_bos_token`/`add_eos_token` say).
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        if let llama { return llama.encode(text, addSpecialTokens: addSpecialTokens) }
        var ids: [Int32] = []
        for piece in rawMatcher.split(text) {
            if let id = piece.id {
                ids.append(id)
                continue
            }
            let atOrigin = piece.text.startIndex == text.startIndex
            let normalized = parts.normalizer?.normalize(String(piece.text)) ?? String(piece.text)
            for inner in normalizedMatcher.split(normalized) {
                if let id = inner.id {
                    ids.append(id)
                } else if !inner.text.isEmpty {
                    let start = PreToken(scalars: Array(inner.text.unicodeScalars),
                                         atOrigin: atOrigin && inner.text.startIndex == normalized.startIndex)
                    for word in parts.preTokenizer?.preTokenize([start]) ?? [start] {
                        ids.append(contentsOf: parts.model.tokenize(word.scalars))
                    }
                }
            }
        }
        return parts.postProcessor?.process(ids, addSpecialTokens: addSpecialTokens) ?? ids
    }

    /// The text of `ids`. Ids with no token are skipped; with `skipSpecialTokens`, so are added
    /// tokens marked special. Without a decoder, tokens are joined with spaces (as tokenizers does).
    /// For a GGUF vocabulary, llama.cpp's `detokenize`: skipping is `remove_special` without
    /// `unparse_special`, not skipping `unparse_special` without `remove_special`.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        if let llama { return llama.detokenizer.decode(ids, skipSpecial: skipSpecialTokens) }
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(of: id) else { continue }
            // As in tokenizers, "special" is decided on the token's text: a normalized special
            // token whose text the normalizer changed ("[M]" → "▁[M]") is not skipped.
            if skipSpecialTokens && specialContents.contains(ExactString(token)) { continue }
            tokens.append(token)
        }
        guard let decoder = parts.decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens).joined()
    }

    /// Highest id (vocabulary or added token) + 1.
    public let vocabularySize: Int

    /// The id of a token string (added tokens first, then the vocabulary).
    public func id(of token: String) -> Int32? {
        addedByContent[ExactString(token)] ?? parts.model.vocabulary[ExactString(token)]
    }

    /// The token string of an id, as stored (byte-level tokens in GPT-2's alphabet).
    public func token(of id: Int32) -> String? {
        addedText[id] ?? modelToken(id)
    }

    /// For tests: the model's merges, and merging by the heap whatever the word's length.
    var mergeTable: MergeTable { parts.model.merges }
    func mergeWithHeap(_ ids: [Int32]) -> [Int32] {
        var word = BPEWord(ids: ids)
        return word.mergeAllWithHeap(parts.model.merges)
    }

    private func modelToken(_ id: Int32) -> String? {
        guard id >= 0, Int(id) < parts.model.tokens.count else { return nil }
        return parts.model.tokens[Int(id)]
    }
}
