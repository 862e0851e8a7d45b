/// A JSON object with its keys exactly as written, in file order.
///
/// Foundation's JSONSerialization returns `[String: Any]`, and Swift's String equality is
/// canonical equivalence, so two vocabulary entries such as "ά" (U+1F71) and "ά" (U+03AC) —
/// both in Llama 2's vocabulary — would collapse into one. It also drops a U+FEFF that starts a
/// string. Tokenizer files are therefore read with this small parser instead.
struct JSONObject: @unchecked Sendable {
    /// Values are String, Int, Double, Bool, JSONNull, [Any] or JSONObject.
    let pairs: [(key: String, value: Any)]

    /// Field access by name (field names are ASCII, so equivalence does not matter there).
    var dictionary: [String: Any] {
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

/// JSON `null`.
struct JSONNull: Sendable {}

/// Parses a whole JSON file, naming it in the error when it is not JSON.
func parseJSONFile(_ data: [UInt8], path: String) throws -> Any {
    var parser = JSONParser(bytes: data)
    do {
        // A byte order mark before the document is allowed, as most readers allow it.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == data.count else { throw JSONParser.Failure(reason: "extra text after the JSON value", at: parser.position) }
        return value
    } catch let failure as JSONParser.Failure {
        throw TokenizerError(file: path, component: "(file)", reason: "not valid JSON: \(failure.reason) at byte \(failure.at)")
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259).
struct JSONParser {
    struct Failure: Error {
        let reason: String
        let at: Int
    }

    let bytes: [UInt8]
    var position = 0
    private var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    private func fail(_ reason: String) -> Failure { Failure(reason: reason, at: position) }

    mutating func value() throws -> Any {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of file") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        case UInt8(ascii: "n"): try literal("null"); return JSONNull()
        default: return try number()
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count, bytes[position..<(position + expected.count)].elementsEqual(expected) else {
            throw fail("unexpected character")
        }
        position += expected.count
    }

    private mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 512 else { throw fail("nesting deeper than 512") }
        return try body(&self)
    }

    private mutating func object() throws -> JSONObject {
        try nested { parser in
            parser.position += 1
            var pairs: [(key: String, value: Any)] = []
            parser.skipWhitespace()
            if parser.peek(UInt8(ascii: "}")) { parser.position += 1; return JSONObject(pairs: pairs) }
            while true {
                parser.skipWhitespace()
                guard parser.peek(UInt8(ascii: "\"")) else { throw parser.fail("expected a string key") }
                let key = try parser.string()
                parser.skipWhitespace()
                guard parser.peek(UInt8(ascii: ":")) else { throw parser.fail("expected ':'") }
                parser.position += 1
                pairs.append((key, try parser.value()))
                parser.skipWhitespace()
                if parser.peek(UInt8(ascii: ",")) { parser.position += 1; continue }
                guard parser.peek(UInt8(ascii: "}")) else { throw parser.fail("expected ',' or '}'") }
                parser.position += 1
                return JSONObject(pairs: pairs)
            }
        }
    }

    private mutating func array() throws -> [Any] {
        try nested { parser in
            parser.position += 1
            var items: [Any] = []
            parser.skipWhitespace()
            if parser.peek(UInt8(ascii: "]")) { parser.position += 1; return items }
            while true {
                items.append(try parser.value())
                parser.skipWhitespace()
                if parser.peek(UInt8(ascii: ",")) { parser.position += 1; continue }
                guard parser.peek(UInt8(ascii: "]")) else { throw parser.fail("expected ',' or ']'") }
                parser.position += 1
                return items
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }

    /// A string; the fast path (no escapes) decodes the bytes in place.
    mutating func string() throws -> String {
        position += 1
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw fail("control character in a string") }
            position += 1
        }
        throw fail("unterminated string")
    }

    private mutating func escapedString(from start: Int) throws -> String {
        var utf8 = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"): try appendEscape(to: &utf8)
            case 0..<0x20: throw fail("control character in a string")
            default: utf8.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws {
        guard position < bytes.count else { throw fail("unterminated string") }
        let byte = bytes[position]
        position += 1
        let simple: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]
        if let replacement = simple[byte] {
            utf8.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw fail("unknown escape") }
        var code = try hex4()
        // A surrogate pair spells one scalar above U+FFFF; a lone surrogate becomes U+FFFD.
        if (0xD800..<0xDC00).contains(code), bytes.count - position >= 6,
           bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
            let saved = position
            position += 2
            let low = try hex4()
            if (0xDC00..<0xE000).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
                position = saved
            }
        }
        appendUTF8(Unicode.Scalar(code) ?? "\u{FFFD}", to: &utf8)
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4,
              let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
            throw fail("bad \\u escape")
        }
        position += 4
        return value
    }

    /// An Int when the number has no fraction or exponent and fits, else a Double.
    private mutating func number() throws -> Any {
        let start = position
        var isInteger = true
        while position < bytes.count {
            let byte = bytes[position]
            if (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                position += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                isInteger = false
                position += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int(text) { return value }
        guard !text.isEmpty, let value = Double(text) else {
            position = start
            throw fail(text.isEmpty ? "unexpected character" : "bad number \(text)")
        }
        return value
    }
}
