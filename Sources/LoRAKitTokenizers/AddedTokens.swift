/// One entry of `added_tokens`: a string kept whole, matched in the text before the model runs.
struct AddedToken: Sendable {
    let id: Int32
    let content: String
    let special: Bool
    /// Also swallow whitespace on the left / right of the match.
    let lstrip: Bool
    let rstrip: Bool
    /// Match only when not touching a letter or digit on either side.
    let singleWord: Bool
    /// Match in the normalized text (after the normalizer) instead of the raw text.
    let normalized: Bool

    init(_ fields: JSONFields) throws {
        let id = try fields.int("id")
        guard id >= 0, id <= Int(Int32.max) else { throw fields.fieldError("id", "\(id) is not a valid id") }
        self.id = Int32(id)
        content = try fields.string("content")
        guard !content.isEmpty else { throw fields.fieldError("content", "an added token cannot be empty") }
        special = try fields.bool("special", default: false)
        lstrip = try fields.bool("lstrip", default: false)
        rstrip = try fields.bool("rstrip", default: false)
        singleWord = try fields.bool("single_word", default: false)
        normalized = try fields.bool("normalized", default: !special)
    }
}

/// Finds added tokens in a text like tokenizers' `AddedVocabulary::find_matches`: leftmost match
/// first, longest at that position, then `single_word`, `lstrip` and `rstrip` applied.
struct AddedTokenMatcher: Sendable {
    private let trie: ByteTrie
    private let tokens: [AddedToken]

    /// `patterns[i]` is what to look for for `tokens[i]` (its content, normalized or not).
    init(tokens: [AddedToken], patterns: [String]) {
        self.tokens = tokens
        trie = ByteTrie(patterns.map { Array($0.utf8) })
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// The text cut into pieces, each either an added token (with its id) or plain text, in order.
    func split(_ text: String) -> [(text: Substring, id: Int32?)] {
        if tokens.isEmpty { return [(text[...], nil)] }
        let bytes = Array(text.utf8)
        var pieces: [(range: Range<Int>, id: Int32?)] = []
        var consumed = 0
        var position = 0
        while position < bytes.count {
            guard let (index, length) = trie.longestMatch(in: bytes, at: position) else {
                position += 1
                continue
            }
            let token = tokens[index]
            var start = position, end = position + length
            position = end
            if token.singleWord && (Self.wordBefore(bytes, start) || Self.wordAfter(bytes, end)) { continue }
            if token.lstrip { start = max(Self.whitespaceStart(bytes, before: start), consumed) }
            if token.rstrip { end = Self.whitespaceEnd(bytes, after: end) }
            if consumed < start { pieces.append((consumed..<start, nil)) }
            pieces.append((start..<end, token.id))
            consumed = end
            position = max(position, end)
        }
        if consumed < bytes.count { pieces.append((consumed..<bytes.count, nil)) }
        return pieces.map { (Self.substring(text, $0.range), $0.id) }
    }

    /// Byte offsets here always fall on scalar boundaries (matches are whole UTF-8 sequences).
    private static func substring(_ text: String, _ range: Range<Int>) -> Substring {
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let end = utf8.index(start, offsetBy: range.count)
        return text[start..<end]
    }

    private static func scalar(before offset: Int, in bytes: [UInt8]) -> (Unicode.Scalar, Int)? {
        guard offset > 0 else { return nil }
        var start = offset - 1
        while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        return text.unicodeScalars.first.map { ($0, start) }
    }

    private static func scalar(after offset: Int, in bytes: [UInt8]) -> (Unicode.Scalar, Int)? {
        guard offset < bytes.count else { return nil }
        var end = offset + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        return text.unicodeScalars.first.map { ($0, end) }
    }

    private static func wordBefore(_ bytes: [UInt8], _ offset: Int) -> Bool {
        scalar(before: offset, in: bytes).map { CharacterClasses.isAlphanumeric($0.0) } ?? false
    }

    private static func wordAfter(_ bytes: [UInt8], _ offset: Int) -> Bool {
        scalar(after: offset, in: bytes).map { CharacterClasses.isAlphanumeric($0.0) } ?? false
    }

    private static func whitespaceStart(_ bytes: [UInt8], before offset: Int) -> Int {
        var start = offset
        while let (scalar, previous) = scalar(before: start, in: bytes), CharacterClasses.isWhitespace(scalar) {
            start = previous
        }
        return start
    }

    private static func whitespaceEnd(_ bytes: [UInt8], after offset: Int) -> Int {
        var end = offset
        while let (scalar, next) = scalar(after: end, in: bytes), CharacterClasses.isWhitespace(scalar) {
            end = next
        }
        return end
    }
}

/// A trie over UTF-8 bytes, for the longest pattern starting at a position.
struct ByteTrie: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    private var terminal: [Int32] = [-1]

    init(_ patterns: [[UInt8]]) {
        for (index, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var node = 0
            for byte in pattern {
                if let next = children[node][byte] {
                    node = Int(next)
                } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][byte] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            // Two tokens with the same pattern: the first listed wins, like aho-corasick.
            if terminal[node] < 0 { terminal[node] = Int32(index) }
        }
    }

    /// Calls `found` with the index of every pattern that starts at `start`, shortest first.
    func forEachMatch(in bytes: [UInt8], at start: Int, _ found: (Int) -> Void) {
        var node = 0
        var position = start
        while position < bytes.count, let next = children[node][bytes[position]] {
            node = Int(next)
            position += 1
            if terminal[node] >= 0 { found(Int(terminal[node])) }
        }
    }

    /// (pattern index, length in bytes) of the longest pattern starting at `start`.
    func longestMatch(in bytes: [UInt8], at start: Int) -> (Int, Int)? {
        var node = 0
        var best: (Int, Int)?
        var position = start
        while position < bytes.count, let next = children[node][bytes[position]] {
            node = Int(next)
            position += 1
            if terminal[node] >= 0 { best = (Int(terminal[node]), position - start) }
        }
        return best
    }
}
