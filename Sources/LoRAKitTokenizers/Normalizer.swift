import Foundation

/// Rewrites text before it is split and tokenized (`normalizer` in tokenizer.json).
///
/// Only the normalized text matters here: LoRAKit needs ids, not offsets into the original.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case prepend(String)
    case replace(TextPattern, String)
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    static func parse(_ fields: JSONFields) throws -> Normalizer {
        let type = try fields.type()
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Prepend": return .prepend(try fields.string("prepend"))
        case "Replace": return .replace(try TextPattern.parse(fields.object("pattern")), try fields.string("content"))
        case "Strip":
            return .strip(left: try fields.bool("strip_left", default: true),
                          right: try fields.bool("strip_right", default: true))
        case "Sequence": return .sequence(try fields.objects("normalizers").map(parse))
        default:
            throw fields.error("normalizer type \"\(type)\" is not supported "
                + "(supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence)")
        }
    }

    func normalize(_ text: String) -> String {
        switch self {
        case .nfc: return Self.composed(text)
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return Self.composed(text.decomposedStringWithCompatibilityMapping)
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        case .lowercase: return Self.lowercased(text)
        // tokenizers leaves an empty text empty rather than turning it into the prefix alone.
        case .prepend(let prefix): return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content): return pattern.replacingMatches(in: text, with: content)
        case .strip(let left, let right): return Self.stripped(text, left: left, right: right)
        case .sequence(let steps): return steps.reduce(text) { $1.normalize($0) }
        }
    }

    /// NFC by the standard library, not Foundation: Foundation's composition treats a scalar above
    /// U+FFFF as its low 16 bits, so U+1006D + U+0307 became "ṁ" (U+006D + U+0307). Its
    /// decompositions are right, so NFKC is the standard library's NFC of Foundation's NFKD.
    static func composed(_ text: String) -> String {
        String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }

    /// Scalar by scalar, like Rust's `char::to_lowercase` (no final-sigma context rule).
    static func lowercased(_ text: String) -> String {
        var result: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            // ASCII needs no table lookup; others may map to several scalars (İ → i̇).
            if scalar.isASCII {
                result.append((65...90).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) | 0x20) : scalar)
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return makeString(result)
    }

    static func stripped(_ text: String, left: Bool, right: Bool) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        if left { scalars = scalars.drop(while: CharacterClasses.isWhitespace) }
        if right {
            while let last = scalars.last, CharacterClasses.isWhitespace(last) { scalars = scalars.dropLast() }
        }
        return makeString(scalars)
    }
}
