/// A regular expression from a tokenizer file, run the way tokenizers runs its Oniguruma regexes:
/// over Unicode scalars (not grapheme clusters), with `^`/`$` at line boundaries (Ruby syntax).
///
/// Swift's `Regex` is the general engine. The few GPT-2/Llama 3/Qwen2 split patterns that nearly
/// every byte-level tokenizer uses get a hand-written matcher (`KnownSplitPattern`) that gives the
/// same pieces much faster.
struct PatternRegex: @unchecked Sendable {
    // Regex<AnyRegexOutput> is immutable once built; matching from several threads is safe.
    private let regex: Regex<AnyRegexOutput>?
    private let known: KnownSplitPattern?
    let source: String

    init(_ source: String, fields: JSONFields) throws {
        self.source = source
        if let reason = Self.unsupportedConstruct(in: source) {
            throw fields.error("regex \(Self.quoted(source)) uses \(reason), which this engine does not handle like Oniguruma")
        }
        do {
            regex = try Self.compile(source)
        } catch {
            throw fields.error("regex \(Self.quoted(source)) is not supported: \(error)")
        }
        known = KnownSplitPattern(source: source)
    }

    /// Builds the general engine only (used to check the fast matchers against it).
    init(generalEngineFor source: String) throws {
        self.source = source
        regex = try Self.compile(source)
        known = nil
    }

    /// Match ranges in scalar offsets, left to right, non-overlapping; empty matches are kept (the
    /// split behaviors drop the empty pieces later, as tokenizers does).
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        if let known { return known.matches(in: text) }
        guard let regex else { return [] }
        let haystack = makeString(text)
        let scalars = haystack.unicodeScalars
        var found: [Range<Int>] = []
        // Offsets are counted forward from the previous match, so this stays linear.
        var index = scalars.startIndex
        var offset = 0
        for match in haystack.matches(of: regex) {
            offset += scalars.distance(from: index, to: match.range.lowerBound)
            index = match.range.lowerBound
            let length = scalars.distance(from: index, to: match.range.upperBound)
            found.append(offset..<(offset + length))
        }
        return found
    }

    private static func compile(_ source: String) throws -> Regex<AnyRegexOutput> {
        try Regex(oniguruma(source)).matchingSemantics(.unicodeScalar).anchorsMatchLineEndings()
    }

    /// Rewrites the escapes whose Unicode meaning differs: Oniguruma's `\d` is only Nd (Swift's
    /// also takes ½), and its `\w` is the UTS #18 one (see `CharacterClasses.isWordCharacter`).
    static func oniguruma(_ source: String) -> String {
        let word = #"[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]"#
        let replacements: [Character: String] = ["d": #"\p{Nd}"#, "D": #"\P{Nd}"#, "w": word, "W": "[^" + word.dropFirst()]
        var result = ""
        var escaped = false
        for character in source {
            if escaped {
                result += replacements[character] ?? "\\\(character)"
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        if escaped { result += "\\" }
        return result
    }

    /// Constructs whose meaning differs between Oniguruma (Ruby syntax) and Swift Regex.
    static func unsupportedConstruct(in source: String) -> String? {
        let differing = [
            "\\h": "\\h (Oniguruma: hex digit)", "\\H": "\\H (Oniguruma: non-hex digit)",
            "\\K": "\\K (keep)", "\\G": "\\G (search start)", "(?m": "(?m) (Oniguruma: dot matches newline)",
            "(?~": "(?~...) (absent operator)", "\\y": "\\y (text segment boundary)", "\\Y": "\\Y",
            "\\b": "\\b (word boundary)", "\\B": "\\B (non-word boundary)",
        ]
        var escaped = false
        for character in source {
            if escaped {
                if let reason = differing["\\\(character)"] { return reason }
                escaped = false
            } else if character == "\\" {
                escaped = true
            }
        }
        for (construct, reason) in differing where construct.hasPrefix("(") && source.contains(construct) {
            return reason
        }
        return nil
    }

    static func quoted(_ source: String) -> String {
        source.count > 80 ? "\"\(source.prefix(77))...\"" : "\"\(source)\""
    }
}
