extension LlamaVocab {
    /// llama.cpp's `tokenize(text, add_special, parse_special: true)`.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        if addSpecialTokens && addBos, let bos { ids.append(bos) }
        // SentencePiece: the space prefix goes before the text and after each special token.
        var afterSpecial = true
        for fragment in special.partition(bytes) {
            switch fragment {
            case .token(let id):
                ids.append(id)
                afterSpecial = true
            case .text(let range):
                let piece = String(decoding: bytes[range], as: UTF8.self)
                if isSentencePiece {
                    ids.append(contentsOf: sentencePiece(piece, prefixed: addSpacePrefix && afterSpecial))
                } else {
                    ids.append(contentsOf: bytePairs(piece))
                }
                afterSpecial = false
            }
        }
        if addSpecialTokens && addEos, let eos { ids.append(eos) }
        return ids
    }

    /// One text fragment of a "llama" model: spaces written as ▁, then merged as a whole.
    private func sentencePiece(_ text: String, prefixed: Bool) -> [Int32] {
        var scalars: [Unicode.Scalar] = prefixed ? ["\u{2581}"] : []
        scalars.reserveCapacity(text.unicodeScalars.count + 1)
        for scalar in text.unicodeScalars { scalars.append(scalar == " " ? "\u{2581}" : scalar) }
        return model.tokenize(scalars)
    }

    /// One text fragment of a "gpt2" model: split by the regexes, each piece merged alone.
    private func bytePairs(_ text: String) -> [Int32] {
        let start = PreToken(scalars: Array(text.unicodeScalars), atOrigin: true)
        var ids: [Int32] = []
        for word in preTokenizer?.preTokenize([start]) ?? [start] where !word.scalars.isEmpty {
            ids.append(contentsOf: model.tokenize(word.scalars))
        }
        return ids
    }
}
