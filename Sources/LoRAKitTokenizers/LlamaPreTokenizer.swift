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
    static let llama3 = KnownSplitPattern.llamaCppLlama3Source
    static let qwen2 = KnownSplitPattern.llamaCppQwen2Source
    static let qwen35 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    // Written with \x{…} escapes, and ranges whose ends NFC would change (ώ, K) cut before them:
    // Swift's Regex compares range bounds as Characters and refuses or widens such ranges.
    static let deepseekLetters = #"\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7C}\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD2}\x{1FD3}\x{1FD6}-\x{1FDA}\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}\x{212B}\x{212C}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+"#

    /// The settings for `pre` (nil: "default"); nil for a name this port does not know.
    init?(pre: String?) {
        switch pre ?? "default" {
        case "default":
            self.init([#"[\p{P}\$\+<=>\^~\|]+"#, Self.gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"])
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral":
            self.init([Self.llama3], ignoreMerges: true, addBos: true)
        case "dbrx", "smaug-bpe": self.init([Self.llama3])
        case "qwen2", "deepseek-r1-qwen": self.init([Self.qwen2], cleanSpaces: false)
        case "stablelm2", "megrez": self.init([Self.qwen2])
        case "qwen35": self.init([Self.qwen35], cleanSpaces: false)
        case "gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4": self.init([Self.gpt2])
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b": self.init([#"\p{N}"#, Self.gpt2])
        case "smollm", "command-r": self.init([#"\p{N}"#, Self.gpt2], cleanSpaces: false)
        case "falcon":
            self.init([#"[\p{P}\$\+<=>\^~\|`]+"#, Self.gpt2, "[0-9][0-9][0-9]"])
        case "deepseek-llm":
            self.init([#"[\r\n]"#, Self.deepseekLetters,
                       #"\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+"#, #"\s+$"#, #"[\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+"#, #"\p{N}+"#], cleanSpaces: false)
        case "deepseek-coder":
            self.init([#"[\r\n]"#, #"\s?\p{L}+"#, #"\s?\p{P}+"#, #"[\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+"#, #"\p{N}"#], cleanSpaces: false)
        default: return nil
        }
    }

    private init(_ regexes: [String], ignoreMerges: Bool = false, cleanSpaces: Bool = true, addBos: Bool = false) {
        self.regexes = regexes
        self.ignoreMerges = ignoreMerges
        self.cleanSpaces = cleanSpaces
        self.addBos = addBos
    }

    /// llama.cpp's GPT-2 pattern lacks tokenizers' final `|\s+`, which only matches whitespace
    /// the other alternatives leave between matches — a piece either way — so the GPT-2 fast
    /// matcher serves; the Llama 3 and Qwen2 spellings have theirs (`KnownSplitPattern`).
    static func knownSource(_ source: String) -> String {
        source == gpt2 ? KnownSplitPattern.gpt2Source : source
    }

    /// The pre-tokenizer: the regex splits, then GPT-2's byte-to-character mapping.
    func preTokenizer(file: String) throws -> PreTokenizer {
        var steps: [PreTokenizer] = []
        for (index, source) in regexes.enumerated() {
            // Runs of numbers need no regex engine (SmolLM's and StarCoder's first split).
            if source == #"\p{N}"# || source == #"\p{N}+"# {
                steps.append(.split(.character(LlamaUnicode.isNumber), source.hasSuffix("+") ? .contiguous : .isolated, invert: false))
                continue
            }
            let regex = try PatternRegex(builtIn: Self.knownSource(source), file: file,
                                         component: "tokenizer.ggml.pre (regex \(index))")
            steps.append(.split(.regex(regex), .isolated, invert: false))
        }
        steps.append(.byteLevel(addPrefixSpace: false, regex: nil))
        return .sequence(steps)
    }
}
