/// Hand-written matchers for the split regexes that almost every byte-level tokenizer uses,
/// selected only when the pattern string is exactly one of them. They give the same matches as the
/// general engine (checked by the tests on the corpus and on random strings) without its cost.
///
/// Each alternative of the regex is tried in order at a position, as a backtracking engine would;
/// every position matches some alternative, so the matches tile the text.
enum KnownSplitPattern: Sendable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Llama 3 (digits in runs of up to 3) and Qwen2 (digits one by one):
    /// `(?i:'s|...|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    /// `foldsLongS`: whether "'ſ" is a contraction, as for Oniguruma's `(?i:'s…)`; llama.cpp's
    /// spelling of the pattern, `(?:'[sS]|…)`, takes only ASCII letters.
    case llama3(maxDigits: Int, foldsLongS: Bool)

    static let gpt2Source = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Source = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// llama.cpp's spellings of the Llama 3 and Qwen2 patterns (llama-vocab.cpp).
    static let llamaCppLlama3Source = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llamaCppQwen2Source = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    init?(source: String) {
        switch source {
        case Self.gpt2Source: self = .gpt2
        case Self.llama3Source: self = .llama3(maxDigits: 3, foldsLongS: true)
        case Self.qwen2Source: self = .llama3(maxDigits: 1, foldsLongS: true)
        case Self.llamaCppLlama3Source: self = .llama3(maxDigits: 3, foldsLongS: false)
        case Self.llamaCppQwen2Source: self = .llama3(maxDigits: 1, foldsLongS: false)
        default: return nil
        }
    }

    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = text.map(ScalarClass.init)
        var found: [Range<Int>] = []
        var start = 0
        while start < text.count {
            let end: Int
            switch self {
            case .gpt2: end = Self.gpt2Match(text, classes, at: start)
            case .llama3(let maxDigits, let foldsLongS):
                end = Self.llama3Match(text, classes, at: start, maxDigits: maxDigits, foldsLongS: foldsLongS)
            }
            found.append(start..<end)
            start = end
        }
        return found
    }

    /// End of the GPT-2 match starting at `i`.
    private static func gpt2Match(_ text: [Unicode.Scalar], _ classes: [ScalarClass], at i: Int) -> Int {
        if let end = contraction(text, at: i, ignoringCase: false) { return end }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        let spaced = text[i] == " " && i + 1 < text.count ? 1 : 0
        for kind in [ScalarClass.letter, .number, .other] {
            if classes[i + spaced] == kind { return run(classes, from: i + spaced) { $0 == kind } }
            if spaced == 1 && classes[i] == kind { return run(classes, from: i) { $0 == kind } }
        }
        return whitespaceMatch(classes, at: i)
    }

    /// End of the Llama 3 / Qwen2 match starting at `i`.
    private static func llama3Match(_ text: [Unicode.Scalar], _ classes: [ScalarClass], at i: Int, maxDigits: Int,
                                    foldsLongS: Bool) -> Int {
        if let end = contraction(text, at: i, ignoringCase: true, foldsLongS: foldsLongS) { return end }
        // `[^\r\n\p{L}\p{N}]?\p{L}+`
        let isLineBreak = text[i] == "\n" || text[i] == "\r"
        if classes[i] != .letter && classes[i] != .number && !isLineBreak && i + 1 < text.count && classes[i + 1] == .letter {
            return run(classes, from: i + 1) { $0 == .letter }
        }
        if classes[i] == .letter { return run(classes, from: i) { $0 == .letter } }
        // `\p{N}{1,maxDigits}`
        if classes[i] == .number { return min(run(classes, from: i) { $0 == .number }, i + maxDigits) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let other = text[i] == " " && i + 1 < text.count && classes[i + 1] == .other ? i + 1 : i
        if classes[other] == .other {
            let end = run(classes, from: other) { $0 == .other }
            return runOfLineBreaks(text, from: end)
        }
        // `\s*[\r\n]+`: the whitespace run up to and including its last line break.
        let spaceEnd = run(classes, from: i) { $0 == .space }
        if let lastBreak = (i..<spaceEnd).last(where: { text[$0] == "\n" || text[$0] == "\r" }) { return lastBreak + 1 }
        return whitespaceMatch(classes, at: i)
    }

    /// `\s+(?!\S)|\s+` at a whitespace position: the run, less its last character when a
    /// non-space follows and the run is longer than one (so the space can lead the next word).
    private static func whitespaceMatch(_ classes: [ScalarClass], at i: Int) -> Int {
        let end = run(classes, from: i) { $0 == .space }
        if end < classes.count && end - i >= 2 { return end - 1 }
        return end
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, tried in that order.
    private static func contraction(_ text: [Unicode.Scalar], at i: Int, ignoringCase: Bool, foldsLongS: Bool = true) -> Int? {
        guard text[i] == "'" else { return nil }
        for suffix in ["s", "t", "re", "ve", "m", "ll", "d"] {
            var end = i + 1
            var matched = true
            for expected in suffix.unicodeScalars {
                guard end < text.count else { matched = false; break }
                let actual = text[end]
                let folded = ignoringCase && (foldsLongS || actual != "\u{17F}") ? caseFolded(actual) : actual
                if folded != expected { matched = false; break }
                end += 1
            }
            if matched { return end }
        }
        return nil
    }

    /// Simple case folding for the letters of the contractions: ASCII upper case, and "ſ" (long s),
    /// which Oniguruma folds to "s".
    private static func caseFolded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar == "\u{17F}" { return "s" }
        return (65...90).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) | 0x20) : scalar
    }

    private static func run(_ classes: [ScalarClass], from start: Int, while test: (ScalarClass) -> Bool) -> Int {
        var end = start
        while end < classes.count && test(classes[end]) { end += 1 }
        return end
    }

    private static func runOfLineBreaks(_ text: [Unicode.Scalar], from start: Int) -> Int {
        var end = start
        while end < text.count && (text[end] == "\n" || text[end] == "\r") { end += 1 }
        return end
    }
}

/// The four classes these regexes distinguish: `\p{L}`, `\p{N}`, `\s`, and everything else.
enum ScalarClass: Sendable {
    case letter, number, space, other

    init(_ scalar: Unicode.Scalar) {
        if scalar.isASCII {
            self = Self.ascii[Int(scalar.value)]
            return
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        default: self = scalar.properties.isWhitespace ? .space : .other
        }
    }

    private static let ascii: [ScalarClass] = (0..<128).map { value in
        let scalar = Unicode.Scalar(UInt8(value))
        if (65...90).contains(value) || (97...122).contains(value) { return .letter }
        if (48...57).contains(value) { return .number }
        return scalar.properties.isWhitespace ? .space : .other
    }
}
