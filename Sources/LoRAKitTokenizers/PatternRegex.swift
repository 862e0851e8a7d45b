/// A regular expression from a tokenizer file, run the way tokenizers runs its Oniguruma regexes:
/// over Unicode scalars (not grapheme clusters), with Oniguruma's meaning of `\d`, `\w`, `$` and
/// script names (see `oniguruma(_:)`).
///
/// Swift's `Regex` is the general engine. The few GPT-2/Llama 3/Qwen2 split patterns that nearly
/// every byte-level tokenizer uses get a hand-written matcher (`KnownSplitPattern`) that gives the
/// same pieces much faster.
struct PatternRegex: @unchecked Sendable {
    // Regex<AnyRegexOutput> is immutable once built; matching from several threads is safe.
    private let regex: Regex<AnyRegexOutput>?
    private let known: KnownSplitPattern?
    /// llama.cpp's std::regex path: non-ASCII whitespace is matched as "\u{0B}" (so it is `\s`
    /// but no member of a class that names it, such as deepseek-llm's `[…　-。]`).
    private var whitespaceAsVerticalTab = false
    /// llama.cpp's character tables are Unicode 15.1: a scalar assigned later is no letter,
    /// number or punctuation there, so its own matchers and `\p{…}` see it as unassigned.
    private var unicode15 = false
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

    /// A pattern of this library's own (llama.cpp's pre-tokenizer regexes); errors name `component`.
    init(builtIn source: String, file: String, component: String) throws {
        self.source = source
        do {
            regex = try Self.compile(source)
        } catch {
            throw TokenizerError(file: file, component: component, reason: "regex \(Self.quoted(source)) is not supported: \(error)")
        }
        known = KnownSplitPattern(source: source)
        // llama.cpp's own matchers (the known patterns) see the text as it is.
        whitespaceAsVerticalTab = known == nil
        unicode15 = known != nil || source.contains(#"\p{"#)
    }

    /// The text as llama.cpp's matching sees it, scalar for scalar (so offsets stay valid).
    private func llamaCppView(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard whitespaceAsVerticalTab || unicode15, text.contains(where: { $0.value > 0x7F }) else { return text }
        return text.map { scalar in
            guard scalar.value > 0x7F else { return scalar }
            if whitespaceAsVerticalTab && scalar.properties.isWhitespace { return "\u{0B}" }
            if unicode15 && LlamaUnicode.isNewerThanTables(scalar) { return "\u{378}" }  // unassigned in every version
            return scalar
        }
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
        let text = llamaCppView(text)
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
        // `$` is rewritten, so no line-ending option is needed (Swift's would also take "\r").
        try Regex(oniguruma(source)).matchingSemantics(.unicodeScalar)
    }

    /// Rewrites what means something else in Swift's Regex: Oniguruma's `\d` is only Nd (Swift's
    /// also takes ½), its `\w` is the UTS #18 class (see `CharacterClasses.isWordCharacter`), a
    /// script name such as `\p{Greek}` is the Script property (Swift's is Script_Extensions, which
    /// takes in U+0301), and `$` matches before any "\n" and at the end (Ruby syntax), not
    /// before "\r".
    static func oniguruma(_ source: String) -> String {
        let word = #"[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]"#
        let replacements: [Character: String] = ["d": #"\p{Nd}"#, "D": #"\P{Nd}"#, "w": word, "W": "[^" + word.dropFirst()]
        let characters = Array(source)
        var result = ""
        var index = 0
        var classDepth = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if character == "\\" && index < characters.count {
                let escape = characters[index]
                index += 1
                if (escape == "p" || escape == "P"), let property = scriptProperty(characters, from: index) {
                    result += "\\\(escape){sc=\(property.name)}"
                    index = property.end
                } else {
                    result += replacements[escape] ?? "\\\(escape)"
                }
                continue
            }
            if character == "[" { classDepth += 1 }
            if character == "]" && classDepth > 0 { classDepth -= 1 }
            result += character == "$" && classDepth == 0 ? #"(?=\n|\z)"# : String(character)
        }
        return result
    }

    /// `{Name}` after `\p` when Name is a script (it compiles as `sc=Name`; categories such as
    /// `L` and properties such as `Alphabetic` do not): the name and the index after `}`.
    private static func scriptProperty(_ characters: [Character], from start: Int) -> (name: String, end: Int)? {
        guard start < characters.count, characters[start] == "{",
              let close = characters[start...].firstIndex(of: "}") else { return nil }
        let name = String(characters[(start + 1)..<close])
        guard !name.contains("="), !name.hasPrefix("^"), (try? Regex("\\p{sc=\(name)}")) != nil else { return nil }
        return (name, close + 1)
    }

    /// `^` outside a character class: Oniguruma's matches after any "\n", and Swift's Regex has
    /// no lookbehind to say that.
    static func hasLineStartAnchor(_ source: String) -> Bool {
        var escaped = false
        var classDepth = 0
        for character in source {
            if escaped { escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "[": classDepth += 1
            case "]" where classDepth > 0: classDepth -= 1
            // Inside a class, ^ negates or is literal; outside, it is the anchor.
            case "^" where classDepth == 0: return true
            default: break
            }
        }
        return false
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
        return hasLineStartAnchor(source) ? "^ (Oniguruma: after any line break; Swift Regex has no lookbehind)" : nil
    }

    static func quoted(_ source: String) -> String {
        source.count > 80 ? "\"\(source.prefix(77))...\"" : "\"\(source)\""
    }
}
