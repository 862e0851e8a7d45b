// JSON in and out. Reading keeps what Foundation's JSONSerialization loses: key order, and whether
// a number was written as an int (`1`) or a float (`1.0`) — both change what a template prints.
// Writing is Python's json.dumps, which transformers' `tojson` filter calls.

/// Options of Python's `json.dumps`, as the `tojson` filter takes them.
public struct JSONOptions: Sendable {
    /// Spaces (or the text itself) per level; nil writes everything on one line.
    public var indent: String?
    public var itemSeparator: String
    public var keySeparator: String
    public var sortKeys: Bool
    public var ensureASCII: Bool

    /// Python's defaults, except `ensure_ascii`, which transformers turns off.
    public init(indent: String? = nil, separators: (String, String)? = nil, sortKeys: Bool = false,
                ensureASCII: Bool = false) {
        self.indent = indent
        // json.dumps drops the space after ',' when indenting, since the newline separates items.
        self.itemSeparator = separators?.0 ?? (indent == nil ? ", " : ",")
        self.keySeparator = separators?.1 ?? ": "
        self.sortKeys = sortKeys
        self.ensureASCII = ensureASCII
    }
}

extension Value {
    /// Parses JSON text, keeping key order and the int/float distinction.
    public init(json text: String) throws {
        var parser = JSONReader(Array(text.unicodeScalars))
        self = try parser.readDocument()
    }

    /// Serializes as Python's `json.dumps(value, …)` does; undefined, namespaces and callables throw.
    public func toJSON(_ options: JSONOptions = JSONOptions()) throws -> String {
        var out = ""
        try writeJSON(self, options, level: 0, into: &out)
        return out
    }
}

private func writeJSON(_ value: Value, _ o: JSONOptions, level: Int, into out: inout String) throws {
    // Only a namespace could make a cycle, and namespaces do not serialize; this bounds deep data.
    guard level < 512 else { throw JinjaError(.runtime, "ValueError: value nested too deeply for JSON") }
    switch value {
    case .none: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
        out += d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : formatPythonFloat(d)
    case .string(let s), .markup(let s): out += jsonQuote(s, ensureASCII: o.ensureASCII)
    case .array(let items), .tuple(let items):
        try writeJSONContainer(open: "[", close: "]", count: items.count, o, level, &out) { i, out in
            try writeJSON(items[i], o, level: level + 1, into: &out)
        }
    case .dict(let d):
        var pairs = d.pairs
        if o.sortKeys { pairs.sort { (try? pythonLess($0.key, $1.key)) ?? false } }
        try writeJSONContainer(open: "{", close: "}", count: pairs.count, o, level, &out) { i, out in
            out += try jsonKey(pairs[i].key, o) + o.keySeparator
            try writeJSON(pairs[i].value, o, level: level + 1, into: &out)
        }
    case .undefined, .namespace, .function, .lazy:
        throw JinjaError(.runtime, "TypeError: Object of type \(value.typeName) is not JSON serializable")
    }
}

/// Writes `[a, b]` or, with an indent, one item per line at `level + 1`.
private func writeJSONContainer(open: String, close: String, count: Int, _ o: JSONOptions, _ level: Int,
                                _ out: inout String, item: (Int, inout String) throws -> Void) throws {
    out += open
    guard count > 0 else { return out += close }
    let inner = o.indent.map { "\n" + String(repeating: $0, count: level + 1) }
    for i in 0..<count {
        if i > 0 { out += o.itemSeparator }
        if let inner { out += inner }
        try item(i, &out)
    }
    if let indent = o.indent { out += "\n" + String(repeating: indent, count: level) }
    out += close
}

/// JSON object keys: strings as they are; numbers, booleans and None become strings as json.dumps does.
private func jsonKey(_ key: Value, _ o: JSONOptions) throws -> String {
    switch key.plain {
    case .string(let s): return jsonQuote(s, ensureASCII: o.ensureASCII)
    case .int, .double: return "\"" + key.pythonRepr + "\""
    case .bool(let b): return b ? "\"true\"" : "\"false\""
    case .none: return "\"null\""
    default: throw JinjaError(.runtime, "keys must be str, int, float, bool or None, not \(key.typeName)")
    }
}

/// A JSON string literal with json.dumps' escapes (`\n`, `\"`, `\u001b`; non-ASCII as `\u` if asked).
func jsonQuote(_ s: String, ensureASCII: Bool) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7e) {
                out += unicodeEscape(scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// `\uXXXX`, as a UTF-16 surrogate pair above the BMP.
private func unicodeEscape(_ v: UInt32) -> String {
    if v < 0x10000 { return "\\u" + hex(v, width: 4) }
    let u = v - 0x10000
    return "\\u" + hex(0xD800 + (u >> 10), width: 4) + "\\u" + hex(0xDC00 + (u & 0x3FF), width: 4)
}

/// A small recursive-descent JSON reader over Unicode scalars.
private struct JSONReader {
    let text: [Unicode.Scalar]
    var pos = 0
    var depth = 0

    init(_ text: [Unicode.Scalar]) { self.text = text }

    mutating func readDocument() throws -> Value {
        let value = try readValue()
        skipSpace()
        guard pos == text.count else { throw fail("trailing characters") }
        return value
    }

    func fail(_ what: String) -> JinjaError {
        JinjaError(.runtime, "invalid JSON at offset \(pos): \(what)")
    }

    mutating func skipSpace() {
        while pos < text.count, [" ", "\n", "\r", "\t"].contains(text[pos]) { pos += 1 }
    }

    mutating func readValue() throws -> Value {
        skipSpace()
        guard pos < text.count else { throw fail("unexpected end") }
        switch text[pos] {
        case "{": return try readObject()
        case "[": return try readArray()
        case "\"": return .string(try readString())
        case "t": return try readWord("true", .bool(true))
        case "f": return try readWord("false", .bool(false))
        case "n": return try readWord("null", .none)
        default: return try readNumber()
        }
    }

    mutating func readWord(_ word: String, _ value: Value) throws -> Value {
        for scalar in word.unicodeScalars {
            guard pos < text.count, text[pos] == scalar else { throw fail("expected \(word)") }
            pos += 1
        }
        return value
    }

    mutating func readNumber() throws -> Value {
        let start = pos
        var isFloat = false
        while pos < text.count, "+-0123456789.eE".unicodeScalars.contains(text[pos]) {
            if ".eE".unicodeScalars.contains(text[pos]) { isFloat = true }
            pos += 1
        }
        let literal = String(String.UnicodeScalarView(text[start..<pos]))
        if !isFloat, let i = Int(literal) { return .int(i) }
        guard let d = Double(literal) else { throw fail("bad number '\(literal)'") }
        return .double(d)
    }

    mutating func readContainer(close: Unicode.Scalar, item: (inout JSONReader) throws -> Void) throws {
        depth += 1
        guard depth < 512 else { throw fail("nested too deeply") }
        pos += 1
        skipSpace()
        if pos < text.count, text[pos] == close {
            pos += 1
            depth -= 1
            return
        }
        while true {
            try item(&self)
            skipSpace()
            guard pos < text.count else { throw fail("unexpected end") }
            if text[pos] == close { break }
            guard text[pos] == "," else { throw fail("expected ',' or '\(close)'") }
            pos += 1
        }
        pos += 1
        depth -= 1
    }

    mutating func readArray() throws -> Value {
        var items: [Value] = []
        try readContainer(close: "]") { items.append(try $0.readValue()) }
        return .array(items)
    }

    mutating func readObject() throws -> Value {
        var dict = OrderedDict()
        try readContainer(close: "}") { r in
            r.skipSpace()
            guard r.pos < r.text.count, r.text[r.pos] == "\"" else { throw r.fail("expected a key") }
            let key = try r.readString()
            r.skipSpace()
            guard r.pos < r.text.count, r.text[r.pos] == ":" else { throw r.fail("expected ':'") }
            r.pos += 1
            dict[key] = try r.readValue()
        }
        return .dict(dict)
    }

    mutating func readString() throws -> String {
        pos += 1
        var out = String.UnicodeScalarView()
        while pos < text.count {
            let c = text[pos]
            pos += 1
            if c == "\"" { return String(out) }
            if c != "\\" {
                out.append(c)
                continue
            }
            guard pos < text.count else { break }
            let e = text[pos]
            pos += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "u": out.append(try readUnicodeEscape())
            default: out.append(e)
            }
        }
        throw fail("unterminated string")
    }

    /// After `\u`: four hex digits, joined with a following low surrogate when it is a high one.
    mutating func readUnicodeEscape() throws -> Unicode.Scalar {
        let high = try readHex4()
        if (0xD800..<0xDC00).contains(high), pos + 1 < text.count, text[pos] == "\\", text[pos + 1] == "u" {
            pos += 2
            let low = try readHex4()
            let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            return Unicode.Scalar(combined) ?? "\u{FFFD}"
        }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    mutating func readHex4() throws -> UInt32 {
        guard pos + 4 <= text.count,
              let v = UInt32(String(String.UnicodeScalarView(text[pos..<pos + 4])), radix: 16)
        else { throw fail("bad \\u escape") }
        pos += 4
        return v
    }
}
