/// Cuts normalized text into the pieces the model tokenizes one by one (`pre_tokenizer`).
indirect enum PreTokenizer: Sendable {
    case byteLevel(addPrefixSpace: Bool, regex: PatternRegex?)
    case split(TextPattern, SplitBehavior, invert: Bool)
    case metaspace(Metaspace)
    case digits(individual: Bool)
    case punctuation(SplitBehavior)
    case whitespace
    case whitespaceSplit
    case sequence([PreTokenizer])

    static func parse(_ fields: JSONFields) throws -> PreTokenizer {
        let type = try fields.type()
        switch type {
        case "ByteLevel":
            let useRegex = try fields.bool("use_regex", default: true)
            return .byteLevel(addPrefixSpace: try fields.bool("add_prefix_space", default: true),
                              regex: useRegex ? try PatternRegex(ByteLevel.gpt2Pattern, fields: fields) : nil)
        case "Split":
            return .split(try TextPattern.parse(fields.object("pattern")), try SplitBehavior.parse(fields),
                          invert: try fields.bool("invert", default: false))
        case "Metaspace": return .metaspace(try Metaspace(fields))
        case "Digits": return .digits(individual: try fields.bool("individual_digits", default: false))
        case "Punctuation":
            return .punctuation(fields.isNull("behavior") ? .isolated : try SplitBehavior.parse(fields))
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Sequence": return .sequence(try fields.objects("pretokenizers").map(parse))
        default:
            throw fields.error("pre-tokenizer type \"\(type)\" is not supported (supported: ByteLevel, "
                + "Split, Metaspace, Digits, Punctuation, Whitespace, WhitespaceSplit, Sequence)")
        }
    }

    func preTokenize(_ pieces: [PreToken]) -> [PreToken] {
        switch self {
        case .sequence(let steps): return steps.reduce(pieces) { $1.preTokenize($0) }
        default: return pieces.flatMap(split)
        }
    }

    private func split(_ piece: PreToken) -> [PreToken] {
        switch self {
        case .byteLevel(let addPrefixSpace, let regex):
            var piece = piece
            if addPrefixSpace && piece.scalars.first != " " { piece.scalars.insert(" ", at: 0) }
            let parts = regex.map { SplitBehavior.isolated.split(piece, on: .regex($0)) } ?? [piece]
            return parts.map { PreToken(scalars: ByteLevel.encode($0.scalars), atOrigin: $0.atOrigin) }
        case .split(let pattern, let behavior, let invert):
            return behavior.split(piece, on: pattern, invert: invert)
        case .metaspace(let metaspace): return metaspace.split(piece)
        case .digits(let individual):
            return (individual ? SplitBehavior.isolated : .contiguous)
                .split(piece, on: .character(CharacterClasses.isNumeric))
        case .punctuation(let behavior): return behavior.split(piece, on: .character(CharacterClasses.isPunctuation))
        case .whitespace: return Self.wordsAndSymbols(piece)
        case .whitespaceSplit: return SplitBehavior.removed.split(piece, on: .character(CharacterClasses.isWhitespace))
        case .sequence(let steps): return steps.reduce([piece]) { $1.preTokenize($0) }
        }
    }

    /// `Whitespace`: runs of word characters and runs of other non-space characters (the regex
    /// `\w+|[^\w\s]+`), with whitespace dropped.
    private static func wordsAndSymbols(_ piece: PreToken) -> [PreToken] {
        enum Kind { case word, symbol, space }
        func kind(_ scalar: Unicode.Scalar) -> Kind {
            if CharacterClasses.isWordCharacter(scalar) { return .word }
            return CharacterClasses.isWhitespace(scalar) ? .space : .symbol
        }
        var result: [PreToken] = []
        var start = 0
        let scalars = piece.scalars
        while start < scalars.count {
            let current = kind(scalars[start])
            var end = start + 1
            while end < scalars.count && kind(scalars[end]) == current { end += 1 }
            if current != .space { result.append(piece.slice(start..<end)) }
            start = end
        }
        return result
    }
}
