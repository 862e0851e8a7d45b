// The tokens of expressions inside tags: names, numbers, string literals, operators.

private let operators = ["**", "//", "==", "!=", ">=", "<=",
                         "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}",
                         ",", ".", ":", "|"]

extension Lexer {
    mutating func lexExpressionToken() throws -> Token {
        let start = pos
        let loc = location(start)
        let c = source[pos]
        if c == "'" || c == "\"" { return Token(kind: .string(try lexString()), location: loc) }
        if isDigit(c) { return Token(kind: try lexNumber(), location: loc) }
        if c == "_" || c.properties.isAlphabetic {
            while pos < source.count, isNameCharacter(source[pos]) { pos += 1 }
            return Token(kind: .name(String(String.UnicodeScalarView(source[start..<pos]))), location: loc)
        }
        for o in operators where at(pos, o) {
            pos += o.unicodeScalars.count
            return Token(kind: .op(o), location: loc)
        }
        throw fail("unexpected char '\(Character(c))'", start)
    }

    /// Integers (`1_000`) and floats (`1.5`, `1e3`); after a `.` only an integer (`x.0` is an item).
    private mutating func lexNumber() throws -> TokenKind {
        let start = pos
        let afterDot = start > 0 && source[start - 1] == "."
        digits()
        var isFloat = false
        if !afterDot, pos + 1 < source.count, source[pos] == ".", isDigit(source[pos + 1]) {
            pos += 1
            digits()
            isFloat = true
        }
        if !afterDot, pos < source.count, source[pos] == "e" || source[pos] == "E" {
            var i = pos + 1
            if i < source.count, source[i] == "+" || source[i] == "-" { i += 1 }
            if i < source.count, isDigit(source[i]) {
                pos = i
                digits()
                isFloat = true
            }
        }
        let literal = String(String.UnicodeScalarView(source[start..<pos])).replacingUnderscores()
        if isFloat, let d = Double(literal) { return .float(d) }
        if let i = Int(literal) { return .integer(i) }
        throw fail("integer literal '\(literal)' is too large", start)
    }

    private mutating func digits() {
        while pos < source.count, isDigit(source[pos]) || (source[pos] == "_" && pos + 1 < source.count
                                                            && isDigit(source[pos + 1])) {
            pos += 1
        }
    }

    /// A quoted string with Python's escapes (`\n`, `\t`, `\'`, `\\`, `\xNN`, `\uNNNN`, …);
    /// an unknown escape such as `\d` stays as written, as in Python.
    private mutating func lexString() throws -> String {
        let start = pos
        let quote = source[pos]
        pos += 1
        var out = String.UnicodeScalarView()
        while pos < source.count {
            let c = source[pos]
            pos += 1
            if c == quote { return String(out) }
            if c == "\\", pos < source.count {
                try appendEscape(into: &out, start: start)
            } else {
                out.append(c)
            }
        }
        throw fail("unterminated string", start)
    }

    private mutating func appendEscape(into out: inout String.UnicodeScalarView, start: Int) throws {
        let e = source[pos]
        pos += 1
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", "\"": "\"",
            "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "v": "\u{0B}", "\n": "\n",
        ]
        if let s = simple[e] {
            if e != "\n" { out.append(s) }  // backslash-newline is a line continuation
            return
        }
        let width = e == "x" ? 2 : e == "u" ? 4 : e == "U" ? 8 : 0
        if width > 0 {
            guard pos + width <= source.count,
                  let v = UInt32(String(String.UnicodeScalarView(source[pos..<pos + width])), radix: 16),
                  let scalar = Unicode.Scalar(v)
            else { throw fail("truncated \\\(e) escape in string", start) }
            pos += width
            out.append(scalar)
            return
        }
        if ("0"..."7").contains(e) {
            var v = e.value - 48
            var n = 1
            while n < 3, pos < source.count, ("0"..."7").contains(source[pos]) {
                v = v * 8 + source[pos].value - 48
                pos += 1
                n += 1
            }
            out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            return
        }
        out.append("\\")
        out.append(e)
    }
}

func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }

private func isNameCharacter(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic || isDigit(c) }

extension String {
    fileprivate func replacingUnderscores() -> String { filter { $0 != "_" } }
}
