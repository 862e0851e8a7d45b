// Splits template source into tokens: literal text, and the tokens inside `{{ }}` and `{% %}`.
// Whitespace handling follows jinja2's lexer as transformers configures it (trim_blocks and
// lstrip_blocks on, keep_trailing_newline off), because chat templates depend on every byte of it.

enum TokenKind: Equatable {
    case text(String)
    case variableBegin, variableEnd, blockBegin, blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    case op(String)
    case eof
}

struct Token {
    let kind: TokenKind
    let location: SourceLocation
}

struct Lexer {
    let source: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]
    var pos = 0
    private var tokens: [Token] = []
    /// Whether the last tag ended a line (its trailing newline was eaten): lstrip applies at line start.
    private var lineStarting = true

    init(_ text: String) {
        source = Array(normalizedSource(text).unicodeScalars)
        for (i, c) in source.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    }

    /// All tokens of the template, ending in `.eof`.
    static func tokenize(_ text: String) throws -> [Token] {
        var lexer = Lexer(text)
        try lexer.run()
        return lexer.tokens
    }

    func location(_ offset: Int) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    func at(_ offset: Int, _ literal: String) -> Bool {
        var i = offset
        for c in literal.unicodeScalars {
            guard i < source.count, source[i] == c else { return false }
            i += 1
        }
        return true
    }

    func fail(_ message: String, _ offset: Int) -> JinjaError {
        JinjaError(.syntax, message, at: location(offset))
    }

    private mutating func run() throws {
        while pos < source.count {
            guard let tagStart = nextTagStart(from: pos) else {
                emitText(source[pos...], at: pos)
                break
            }
            try lexTag(at: tagStart)
        }
        tokens.append(Token(kind: .eof, location: location(source.count)))
    }

    private func nextTagStart(from start: Int) -> Int? {
        var i = start
        while i + 1 < source.count {
            if source[i] == "{", source[i + 1] == "{" || source[i + 1] == "%" || source[i + 1] == "#" {
                return i
            }
            i += 1
        }
        return nil
    }

    private mutating func emitText(_ text: ArraySlice<Unicode.Scalar>, at offset: Int) {
        guard !text.isEmpty else { return }
        tokens.append(Token(kind: .text(String(String.UnicodeScalarView(text))), location: location(offset)))
    }

    /// Text before a tag, then the tag: a comment, a raw block, or `{{ … }}` / `{% … %}`.
    private mutating func lexTag(at tagStart: Int) throws {
        let kind = source[tagStart + 1]
        let sign: Unicode.Scalar? = tagStart + 2 < source.count ? source[tagStart + 2] : nil
        let text = strippedText(source[pos..<tagStart], sign: sign, isVariable: kind == "{")
        emitText(text, at: pos)
        if kind == "#" { return try skipComment(tagStart) }
        if kind == "%", let rawBodyStart = rawBlockBodyStart(tagStart) { return try lexRaw(rawBodyStart) }
        let hasSign = sign == "-" || sign == "+"
        pos = tagStart + (hasSign ? 3 : 2)
        let begin: TokenKind = kind == "{" ? .variableBegin : .blockBegin
        tokens.append(Token(kind: begin, location: location(tagStart)))
        try lexInside(isVariable: kind == "{", tagStart: tagStart)
    }

    /// `{%-` strips all whitespace before the tag; otherwise a block or comment that is alone on its line
    /// takes the line's indentation with it (lstrip_blocks), unless opened with `{%+`.
    private func strippedText(_ text: ArraySlice<Unicode.Scalar>, sign: Unicode.Scalar?, isVariable: Bool)
        -> ArraySlice<Unicode.Scalar>
    {
        if sign == "-" {
            var end = text.endIndex
            while end > text.startIndex, isPythonSpace(text[end - 1]) { end -= 1 }
            return text[text.startIndex..<end]
        }
        guard sign != "+", !isVariable else { return text }
        let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? text.startIndex
        guard lineStart > text.startIndex || lineStarting, lineStart < text.endIndex,
              text[lineStart...].allSatisfy(isPythonSpace)
        else { return text }
        return text[text.startIndex..<lineStart]
    }

    /// After a tag's closing delimiter: `-` eats all whitespace, a plain block end eats one newline.
    private mutating func afterTagEnd(sign: Unicode.Scalar?, trims: Bool) {
        let start = pos
        if sign == "-" {
            while pos < source.count, isPythonSpace(source[pos]) { pos += 1 }
        } else if trims, sign != "+", pos < source.count, source[pos] == "\n" {
            pos += 1
        }
        lineStarting = pos > start && source[pos - 1] == "\n"
    }

    private mutating func skipComment(_ tagStart: Int) throws {
        var i = tagStart + 2
        while i + 1 < source.count, !(source[i] == "#" && source[i + 1] == "}") { i += 1 }
        guard i + 1 < source.count else { throw fail("missing end of comment tag", tagStart) }
        let sign: Unicode.Scalar? = i > tagStart + 2 && source[i - 1] == "-" ? "-" : nil
        pos = i + 2
        afterTagEnd(sign: sign, trims: true)
    }

    /// The index just after `{% raw %}` if the tag at `tagStart` is one.
    private func rawBlockBodyStart(_ tagStart: Int) -> Int? {
        var i = tagStart + 2
        if i < source.count, source[i] == "-" || source[i] == "+" { i += 1 }
        while i < source.count, isPythonSpace(source[i]) { i += 1 }
        guard at(i, "raw") else { return nil }
        i += 3
        while i < source.count, isPythonSpace(source[i]) { i += 1 }
        if at(i, "-%}") {
            i += 3
            while i < source.count, isPythonSpace(source[i]) { i += 1 }
            return i
        }
        return at(i, "%}") ? i + 2 : nil
    }

    /// The body of a raw block is text, up to `{% endraw %}`.
    private mutating func lexRaw(_ bodyStart: Int) throws {
        var i = bodyStart
        while i < source.count {
            if at(i, "{%"), let end = endRawTagEnd(i) {
                let sign: Unicode.Scalar? = source[i + 2] == "-" || source[i + 2] == "+" ? source[i + 2] : nil
                emitText(strippedText(source[bodyStart..<i], sign: sign, isVariable: false), at: bodyStart)
                pos = end
                afterTagEnd(sign: source[end - 3] == "-" ? "-" : nil, trims: true)
                return
            }
            i += 1
        }
        throw fail("missing end of raw directive", bodyStart)
    }

    private func endRawTagEnd(_ start: Int) -> Int? {
        var i = start + 2
        if i < source.count, source[i] == "-" || source[i] == "+" { i += 1 }
        while i < source.count, isPythonSpace(source[i]) { i += 1 }
        guard at(i, "endraw") else { return nil }
        i += 6
        while i < source.count, isPythonSpace(source[i]) { i += 1 }
        if at(i, "-%}") || at(i, "+%}") { return i + 3 }
        return at(i, "%}") ? i + 2 : nil
    }

    /// Tokens inside a tag, up to its closing `}}` or `%}` (a `}` closing a dict literal is not one).
    private mutating func lexInside(isVariable: Bool, tagStart: Int) throws {
        var braceDepth = 0
        while true {
            while pos < source.count, isPythonSpace(source[pos]) { pos += 1 }
            guard pos < source.count else {
                let what = isVariable ? "end of print statement" : "end of statement block"
                throw fail("unexpected end of template, expected '\(what)'.", tagStart)
            }
            if braceDepth == 0, let sign = closingSign(isVariable: isVariable) {
                let end: TokenKind = isVariable ? .variableEnd : .blockEnd
                tokens.append(Token(kind: end, location: location(pos)))
                pos += sign == nil ? 2 : 3
                afterTagEnd(sign: sign, trims: !isVariable)
                return
            }
            let token = try lexExpressionToken()
            if case .op(let o) = token.kind {
                if o == "{" { braceDepth += 1 }
                if o == "}" { braceDepth = max(0, braceDepth - 1) }
            }
            tokens.append(token)
        }
    }

    /// If the tag closes at `pos`: `.some(sign)` with the `-`/`+` before the delimiter, or `.some(nil)`.
    private func closingSign(isVariable: Bool) -> Unicode.Scalar?? {
        let close = isVariable ? "}}" : "%}"
        if at(pos, "-" + close) { return .some("-") }
        if !isVariable, at(pos, "+" + close) { return .some("+") }
        return at(pos, close) ? .some(nil) : nil
    }
}

/// jinja2 reads `\r\n` and `\r` as `\n`, and drops one final newline (keep_trailing_newline=False).
func normalizedSource(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    var previousCR = false
    for c in text.unicodeScalars {
        if c == "\r" {
            scalars.append("\n")
        } else if !(c == "\n" && previousCR) {
            scalars.append(c)
        }
        previousCR = c == "\r"
    }
    if scalars.last == "\n" { scalars.removeLast() }
    return String(scalars)
}

/// Python's str.isspace for one code point (what `\s` and `rstrip()` treat as whitespace).
func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}
