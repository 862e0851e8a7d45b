/// What llama.cpp does for a byte-level BPE model's `tokenizer.ggml.pre` name: the split regexes
/// (applied one after another, each isolating its matches), and the flags the name sets in
/// `llama_vocab::impl::load`.
struct LlamaPreTokenizer: Sendable {
    let regexes: [String]
    let ignoreMerges: Bool
    /// Decoding's `clean_up_tokenization_spaces` (" ." → ".", …).
    let cleanSpaces: Bool
    /// `add_bos` when the file does not say.
    let addBos: Bool

    // llama.cpp's own spellings of the patterns (`(?:'[sS]|…)` for `(?i:'s|…)`).
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
    static let llama3 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let deepseekLetters = #"\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+"#

    /// The settings for `pre` (nil: "default"); nil for a name this port does not know.
    init?(pre: String?) {
        switch pre ?? "default" {
        case "default":
            self.init([#"[\p{P}\$\+<=>\^~\|]+"#, Self.gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"])
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral":
            self.init([Self.llama3], ignoreMerges: true, addBos: true)
        case "dbrx", "smaug-bpe": self.init([Self.llama3])
        case "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez": self.init([Self.qwen2], cleanSpaces: false)
        case "gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4": self.init([Self.gpt2])
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b": self.init([#"\p{N}"#, Self.gpt2])
        case "smollm", "command-r": self.init([#"\p{N}"#, Self.gpt2], cleanSpaces: false)
        case "falcon":
            self.init([#"[\p{P}\$\+<=>\^~\|`]+"#, Self.gpt2, "[0-9][0-9][0-9]"])
        case "deepseek-llm":
            self.init(["[\r\n]", Self.deepseekLetters, #"\s?[!-/:-~！-／：-～‘-‟　-。]+"#, #"\s+$"#,
                       "[一-龥ࠀ-一가-퟿]+", #"\p{N}+"#], cleanSpaces: false)
        case "deepseek-coder":
            self.init(["[\r\n]", #"\s?\p{L}+"#, #"\s?\p{P}+"#, "[一-龥ࠀ-一가-퟿]+", #"\p{N}"#], cleanSpaces: false)
        default: return nil
        }
    }

    private init(_ regexes: [String], ignoreMerges: Bool = false, cleanSpaces: Bool = true, addBos: Bool = false) {
        self.regexes = regexes
        self.ignoreMerges = ignoreMerges
        self.cleanSpaces = cleanSpaces
        self.addBos = addBos
    }

    /// The same split as the tokenizers package's regex for the patterns the fast matchers know
    /// (llama.cpp's GPT-2 pattern lacks the final `|\s+`, which matches nothing the rest leaves).
    static func knownSource(_ source: String) -> String {
        switch source {
        case gpt2: return KnownSplitPattern.gpt2Source
        case llama3: return KnownSplitPattern.llama3Source
        case qwen2: return KnownSplitPattern.qwen2Source
        default: return source
        }
    }

    /// The pre-tokenizer: the regex splits, then GPT-2's byte-to-character mapping.
    func preTokenizer(file: String) throws -> PreTokenizer {
        var steps: [PreTokenizer] = []
        for (index, source) in regexes.enumerated() {
            let regex = try PatternRegex(builtIn: Self.knownSource(source), file: file,
                                         component: "tokenizer.ggml.pre (regex \(index))")
            steps.append(.split(.regex(regex), .isolated, invert: false))
        }
        steps.append(.byteLevel(addPrefixSpace: false, regex: nil))
        return .sequence(steps)
    }
}
