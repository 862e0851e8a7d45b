/// The tokenizer a GGUF model file carries: its `tokenizer.ggml.*` metadata, as plain values.
///
/// This module does not read GGUF files itself; LoRAKit fills this from a `GGUFFile`. Build a
/// ``Tokenizer`` from it with ``Tokenizer/init(gguf:)`` to encode and decode as llama.cpp does.
///
/// ```swift
/// var vocabulary = GGUFVocabulary(model: "llama", tokens: tokens)
/// vocabulary.scores = scores
/// let tokenizer = try Tokenizer(gguf: vocabulary)
/// ```
public struct GGUFVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.token_type` values (llama.cpp's `llama_token_type`).
    public enum TokenType: Int32, Sendable {
        /// 0, or a value llama.cpp does not know: decodes as nothing.
        case undefined = 0
        /// 1: an ordinary vocabulary token.
        case normal = 1
        /// 2: the unknown token; matched in text like a special token.
        case unknown = 2
        /// 3: a special token (BOS, `<|im_end|>`…): matched in text, hidden when skipping specials.
        case control = 3
        /// 4: an added token that is not special: matched in text, always decoded.
        case userDefined = 4
        /// 5: a reserved, unused token: decodes as nothing.
        case unused = 5
        /// 6: a `<0xXX>` byte token.
        case byte = 6
    }

    /// The name used in errors (the GGUF file's name).
    public var name: String
    /// `tokenizer.ggml.model`: "llama" (SentencePiece-style) or "gpt2" (byte-level BPE).
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer's name for "gpt2" models (nil: llama.cpp's "default").
    public var pre: String?
    /// `tokenizer.ggml.tokens`, by id.
    public var tokens: [String]
    /// `tokenizer.ggml.scores` (nil: all 0); the SentencePiece merge priorities.
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type` as stored (nil: all normal); see ``TokenType``.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges`: `"left right"` strings, by rank ("gpt2" models).
    public var merges: [String]
    /// `tokenizer.ggml.bos_token_id` (nil: llama.cpp's default, 1 for "llama", 11 for "gpt2").
    public var bosTokenID: Int64?
    /// `tokenizer.ggml.eos_token_id` (nil: llama.cpp's default, 2 for "llama", 11 for "gpt2").
    public var eosTokenID: Int64?
    /// `tokenizer.ggml.unknown_token_id` (nil: 0 for "llama", none for "gpt2").
    public var unknownTokenID: Int64?
    /// `tokenizer.ggml.padding_token_id`.
    public var paddingTokenID: Int64?
    /// The other `tokenizer.ggml.*_token_id` fields, by key without the prefix (e.g.
    /// "eot_token_id", "fim_pre_token_id"): where one is absent, llama.cpp finds its token by text.
    public var otherSpecialTokenIDs: [String: Int64] = [:]
    /// The keys of ``otherSpecialTokenIDs`` llama.cpp reads.
    public static let otherSpecialTokenKeys = ["eot_token_id", "eom_token_id", "sep_token_id", "mask_token_id",
        "fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id", "fim_pad_token_id", "fim_rep_token_id",
        "fim_sep_token_id", "prefix_token_id", "suffix_token_id", "middle_token_id"]
    /// `tokenizer.ggml.add_bos_token` / `add_eos_token` / `add_space_prefix` (nil: llama.cpp's
    /// default for the model and pre-tokenizer).
    public var addBosToken: Bool?
    /// See ``addBosToken``.
    public var addEosToken: Bool?
    /// See ``addBosToken``; SentencePiece models default to true.
    public var addSpacePrefix: Bool?
    /// `tokenizer.chat_template`.
    public var chatTemplate: String?
    /// `general.name`: llama.cpp strips the spaces after Phi-3's special tokens by this name.
    public var modelName: String?

    /// The required fields and the arrays; set the rest as properties.
    public init(name: String = "(gguf)", model: String, pre: String? = nil, tokens: [String],
                scores: [Float]? = nil, tokenTypes: [Int32]? = nil, merges: [String] = []) {
        self.name = name
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
    }

    /// The type of token `id` as stored (an unknown value counts as undefined, as in llama.cpp).
    public func type(of id: Int) -> TokenType {
        guard let tokenTypes, id < tokenTypes.count else { return .normal }
        return TokenType(rawValue: tokenTypes[id]) ?? .undefined
    }

    func error(_ field: String, _ reason: String) -> TokenizerError {
        TokenizerError(file: name, component: field, reason: reason)
    }

    /// Checks what llama.cpp would refuse or what would make ids meaningless.
    func validate() throws {
        guard !tokens.isEmpty else { throw error("tokenizer.ggml.tokens", "empty; the vocabulary needs tokens") }
        guard model == "llama" || model == "gpt2" else {
            throw error("tokenizer.ggml.model", "\"\(model)\" is not supported (supported: llama, gpt2)")
        }
        if let scores, scores.count != tokens.count {
            throw error("tokenizer.ggml.scores", "\(scores.count) scores for \(tokens.count) tokens")
        }
        if let tokenTypes, tokenTypes.count != tokens.count {
            throw error("tokenizer.ggml.token_type", "\(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        for (field, id) in [("bos_token_id", bosTokenID), ("eos_token_id", eosTokenID),
                            ("unknown_token_id", unknownTokenID), ("padding_token_id", paddingTokenID)] {
            if let id, id < 0 || id >= Int64(tokens.count) {
                throw error("tokenizer.ggml.\(field)", "id \(id) is out of range (the vocabulary has \(tokens.count) tokens)")
            }
        }
    }
}
