/// SentencePiece's way of keeping spaces: each space becomes `replacement` (usually "▁"), a
/// replacement may be put in front of the text, and the text may be cut before each replacement.
struct Metaspace: Sendable {
    /// When to put a replacement in front: always, only at the start of the input, or never.
    enum PrependScheme: String, Sendable { case always, first, never }

    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme
    let splits: Bool

    init(_ fields: JSONFields) throws {
        let text = try fields.string("replacement")
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw fields.fieldError("replacement", "expected exactly one character, got \"\(text)\"")
        }
        replacement = scalar
        splits = try fields.bool("split", default: true)
        if let name = try fields.optionalString("prepend_scheme") {
            guard let scheme = PrependScheme(rawValue: name) else {
                throw fields.fieldError("prepend_scheme", "expected first, always or never, got \"\(name)\"")
            }
            prependScheme = scheme
        } else {
            // Files written before prepend_scheme existed say add_prefix_space instead.
            prependScheme = try fields.bool("add_prefix_space", default: true) ? .always : .never
        }
    }

    func split(_ piece: PreToken) -> [PreToken] {
        var piece = piece
        piece.scalars = piece.scalars.map { $0 == " " ? replacement : $0 }
        let prepend: Bool
        switch prependScheme {
        case .always: prepend = piece.scalars.first != replacement
        case .first: prepend = piece.scalars.first != replacement && piece.atOrigin
        case .never: prepend = false
        }
        if prepend { piece.scalars.insert(replacement, at: 0) }
        guard splits else { return [piece] }
        return SplitBehavior.mergedWithNext.split(piece, on: .literal([replacement]))
    }

    /// The decoder: replacements become spaces, except in the first token when a replacement was
    /// prepended on the way in (tokenizers then drops every replacement of that first token).
    func decode(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { index, token in
            var scalars: [Unicode.Scalar] = []
            for scalar in token.unicodeScalars {
                if scalar != replacement {
                    scalars.append(scalar)
                } else if index != 0 || prependScheme == .never {
                    scalars.append(" ")
                }
            }
            return makeString(scalars)
        }
    }
}
