/// What a `Split` pre-tokenizer, a `Replace` normalizer or decoder looks for: a literal string, a
/// regular expression, or a per-character test.
///
/// `segments(in:)` cuts a text into consecutive pieces, each flagged as a match or not, covering the
/// whole text — the same shape as `Pattern::find_matches` in tokenizers, which the split behaviors
/// are defined on.
enum TextPattern: Sendable {
    case literal([Unicode.Scalar])
    case regex(PatternRegex)
    case character(@Sendable (Unicode.Scalar) -> Bool)

    /// Reads `{"String": "..."}` or `{"Regex": "..."}`.
    static func parse(_ fields: JSONFields) throws -> TextPattern {
        if let literal = fields.values["String"] as? String {
            return .literal(Array(literal.unicodeScalars))
        }
        if let source = fields.values["Regex"] as? String {
            return .regex(try PatternRegex(source, fields: fields))
        }
        throw fields.error("expected {\"String\": ...} or {\"Regex\": ...}")
    }

    /// Consecutive (range, isMatch) pieces covering `text`, in scalar offsets. An empty text gives
    /// one empty non-match, as in tokenizers.
    func segments(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        if text.isEmpty { return [(0..<0, false)] }
        let matches: [Range<Int>]
        switch self {
        case .literal(let needle): matches = Self.literalMatches(needle, in: text)
        case .regex(let regex): matches = regex.matches(in: text)
        case .character(let test): matches = text.indices.filter { test(text[$0]) }.map { $0..<($0 + 1) }
        }
        var pieces: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = 0
        for match in matches {
            if previous != match.lowerBound { pieces.append((previous..<match.lowerBound, false)) }
            pieces.append((match, true))
            previous = match.upperBound
        }
        if previous != text.count { pieces.append((previous..<text.count, false)) }
        return pieces
    }

    /// Non-overlapping occurrences, left to right, compared scalar by scalar (not by grapheme).
    static func literalMatches(_ needle: [Unicode.Scalar], in text: [Unicode.Scalar]) -> [Range<Int>] {
        guard !needle.isEmpty, needle.count <= text.count else { return [] }
        var found: [Range<Int>] = []
        var start = 0
        while start + needle.count <= text.count {
            if text[start] == needle[0] && text[start..<(start + needle.count)].elementsEqual(needle) {
                found.append(start..<(start + needle.count))
                start += needle.count
            } else {
                start += 1
            }
        }
        return found
    }

    /// Replaces every match with `content` (the `Replace` normalizer and decoder).
    func replacingMatches(in text: String, with content: String) -> String {
        let replacement = Array(content.unicodeScalars)
        // The common case (Llama 2's " " → "▁") in one pass, without building segments.
        if case .literal(let needle) = self, needle.count == 1 {
            var result: [Unicode.Scalar] = []
            result.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                if scalar == needle[0] { result.append(contentsOf: replacement) } else { result.append(scalar) }
            }
            return makeString(result)
        }
        let scalars = Array(text.unicodeScalars)
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for piece in segments(in: scalars) {
            if piece.isMatch {
                result.append(contentsOf: replacement)
            } else {
                result.append(contentsOf: scalars[piece.range])
            }
        }
        return makeString(result)
    }
}
