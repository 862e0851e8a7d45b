import Foundation

/// llama.cpp's `token_to_piece` and `detokenize`: each token's bytes, then its clean-up of spaces.
struct LlamaDetokenizer: Sendable {
    /// Each token's bytes with `special` on; control and unknown tokens are also flagged, since
    /// they read as nothing with `special` off.
    private let pieces: [[UInt8]]
    private let hidden: [Bool]
    private let cleanSpaces: Bool
    /// Whether a leading space of the first token is dropped (llama.cpp: `add_space_prefix`).
    private let removeSpace: Bool
    private let bos: Int32?
    private let eos: Int32?
    private let addBos: Bool
    private let addEos: Bool

    init(tokens: [String], types: [GGUFVocabulary.TokenType], sentencePiece: Bool, cleanSpaces: Bool, removeSpace: Bool,
         bos: Int32?, eos: Int32?, addBos: Bool, addEos: Bool) {
        pieces = tokens.enumerated().map { Self.piece($1, type: types[$0], sentencePiece: sentencePiece) }
        hidden = types.map { $0 == .control || $0 == .unknown }
        (self.cleanSpaces, self.removeSpace) = (cleanSpaces, removeSpace)
        (self.bos, self.eos, self.addBos, self.addEos) = (bos, eos, addBos, addEos)
    }

    private static func piece(_ text: String, type: GGUFVocabulary.TokenType, sentencePiece: Bool) -> [UInt8] {
        switch type {
        case .control, .unknown, .userDefined: return Array(text.utf8)
        case .normal:
            if sentencePiece { return Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8) }
            return byteLevelText(text)
        case .byte:
            if sentencePiece {
                let hex = text.utf8.count == 6 ? UInt8(String(decoding: Array(text.utf8)[3..<5], as: UTF8.self), radix: 16) : nil
                return hex.map { [$0] } ?? []
            }
            guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first,
                  let byte = ByteLevel.scalarToByte[scalar.value] else { return [] }
            return [byte]
        case .undefined, .unused: return []
        }
    }

    /// `llama_decode_text`: GPT-2's stand-ins back to bytes; a character with none is written
    /// as llama.cpp writes it, `[UNK_BYTE_0x…` + the token + `]`.
    private static func byteLevelText(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let byte = ByteLevel.scalarToByte[scalar.value] {
                bytes.append(byte)
                continue
            }
            var utf8: [UInt8] = []
            appendUTF8(scalar, to: &utf8)
            let hex = utf8.map { String(format: "%02x", $0) }.joined()
            bytes.append(contentsOf: Array(("[UNK_BYTE_0x" + hex + text + "]").utf8))
        }
        return bytes
    }

    /// `detokenize(ids, remove_special: skipSpecial, unparse_special: !skipSpecial)`.
    func decode(_ ids: [Int32], skipSpecial: Bool) -> String {
        var ids = ids[...]
        var stripSpace = removeSpace
        if skipSpecial && addBos, let first = ids.first, first == bos {
            stripSpace = false
            ids = ids.dropFirst()
        }
        if skipSpecial && addEos, let last = ids.last, last == eos { ids = ids.dropLast() }
        var text: [UInt8] = []
        for id in ids {
            guard id >= 0, Int(id) < pieces.count, !(skipSpecial && hidden[Int(id)]) else {
                stripSpace = false
                continue
            }
            var piece = pieces[Int(id)][...]
            if stripSpace, piece.first == 0x20 { piece = piece.dropFirst() }
            stripSpace = false
            text.append(contentsOf: piece)
        }
        if cleanSpaces { text = Self.cleaned(text) }
        return String(decoding: text, as: UTF8.self)
    }
}
