/// Turns tokens back into text (`decoder`). Each step maps a list of token strings to a new list,
/// as tokenizers' `decode_chain` does; the final list is concatenated.
indirect enum Decoder: Sendable {
    case byteLevel
    case metaspace(Metaspace)
    case replace(TextPattern, String)
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case sequence([Decoder])

    static func parse(_ fields: JSONFields) throws -> Decoder {
        let type = try fields.type()
        switch type {
        case "ByteLevel": return .byteLevel
        case "Metaspace": return .metaspace(try Metaspace(fields))
        case "Replace": return .replace(try TextPattern.parse(fields.object("pattern")), try fields.string("content"))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            let content = try fields.string("content")
            guard content.unicodeScalars.count == 1, let scalar = content.unicodeScalars.first else {
                throw fields.fieldError("content", "expected exactly one character")
            }
            return .strip(content: scalar, start: try fields.int("start"), stop: try fields.int("stop"))
        case "Sequence": return .sequence(try fields.objects("decoders").map(parse))
        default:
            throw fields.error("decoder type \"\(type)\" is not supported "
                + "(supported: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence)")
        }
    }

    func decode(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            // All bytes of all tokens first, then one lossy UTF-8 decode: a character split
            // across tokens comes back whole.
            let bytes = tokens.flatMap(ByteLevel.bytes(of:))
            return [String(decoding: bytes, as: UTF8.self)]
        case .metaspace(let metaspace): return metaspace.decode(tokens)
        case .replace(let pattern, let content): return tokens.map { pattern.replacingMatches(in: $0, with: content) }
        case .byteFallback: return Self.fuseByteTokens(tokens)
        case .fuse: return [tokens.joined()]
        case .strip(let content, let start, let stop): return tokens.map { Self.strip($0, content, start, stop) }
        case .sequence(let steps): return steps.reduce(tokens) { $1.decode($0) }
        }
    }

    /// Runs of `<0xAB>` tokens become the text their bytes spell; an invalid run becomes one
    /// U+FFFD per byte, as tokenizers does.
    private static func fuseByteTokens(_ tokens: [String]) -> [String] {
        var result: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let text = String(validating: pending, as: UTF8.self) {
                result.append(text)
            } else {
                result.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = byteToken(token) {
                pending.append(byte)
            } else {
                flush()
                result.append(token)
            }
        }
        flush()
        return result
    }

    /// `<0x0A>` → 0x0A.
    static func byteToken(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, token.hasPrefix("<0x"), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }

    /// Drops up to `start` leading and `stop` trailing copies of `content`.
    private static func strip(_ token: String, _ content: Unicode.Scalar, _ start: Int, _ stop: Int) -> String {
        var scalars = Array(token.unicodeScalars)[...]
        var removed = 0
        while removed < start, scalars.first == content { scalars = scalars.dropFirst(); removed += 1 }
        removed = 0
        while removed < stop, scalars.last == content { scalars = scalars.dropLast(); removed += 1 }
        return makeString(scalars)
    }
}
