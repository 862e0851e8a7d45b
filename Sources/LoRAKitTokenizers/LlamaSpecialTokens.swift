/// A piece of text cut by the special tokens: plain text (a byte range) or one special token.
enum LlamaFragment: Equatable {
    case text(Range<Int>)
    case token(Int32)
}

/// The tokens llama.cpp looks for in text before tokenizing it (`tokenizer_st_partition` with
/// `parse_special`): every control, user-defined and unknown token.
///
/// Like llama.cpp, the tokens are tried one at a time, longest first, each cutting all its
/// occurrences (left to right) out of the text left by the ones before — so a longer token wins
/// wherever it occurs, not only where it starts first.
struct LlamaSpecialTokens: Sendable {
    private let tokens: [Special]
    /// Every token's text, to find in one pass which of them the text holds at all.
    private let trie: ByteTrie

    struct Special {
        let id: Int32
        let bytes: [UInt8]
        /// Whether whitespace after it is dropped (llama.cpp's RSTRIP attribute).
        var stripsRight = false
    }

    init(vocabulary: GGUFVocabulary, types: [GGUFVocabulary.TokenType]) {
        var found: [Special] = []
        for (id, text) in vocabulary.tokens.enumerated() {
            switch types[id] {
            case .control, .userDefined, .unknown: found.append(Special(id: Int32(id), bytes: Array(text.utf8)))
            default: break
            }
        }
        // llama.cpp sets RSTRIP by the model's name for Phi-3: on every special token but three.
        let name = vocabulary.modelName?.lowercased() ?? ""
        if name.contains("phi-3") || name.contains("phi3") {
            let kept: Set<[UInt8]> = [Array("<unk>".utf8), Array("<s>".utf8), Array("<|endoftext|>".utf8)]
            for index in found.indices { found[index].stripsRight = !kept.contains(found[index].bytes) }
        }
        // llama.cpp's std::sort leaves equal lengths in no set order; by id keeps this stable.
        tokens = found.sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        trie = ByteTrie(tokens.map(\.bytes))
    }

    /// `text` as fragments, in order; empty text gives none.
    func partition(_ text: [UInt8]) -> [LlamaFragment] {
        guard !text.isEmpty else { return [] }
        var fragments: [LlamaFragment] = [.text(0..<text.count)]
        // Only the tokens the text holds somewhere are searched for (Qwen2 has 290 "[PAD…]").
        var present = [Bool](repeating: false, count: tokens.count)
        for start in text.indices { trie.forEachMatch(in: text, at: start) { present[$0] = true } }
        for (index, token) in tokens.enumerated() where !token.bytes.isEmpty && present[index] {
            var next: [LlamaFragment] = []
            next.reserveCapacity(fragments.count)
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    next.append(fragment)
                    continue
                }
                Self.cut(range, of: text, by: token, into: &next)
            }
            fragments = next
        }
        return fragments
    }

    /// Appends the pieces of `range` around each occurrence of `token`.
    private static func cut(_ range: Range<Int>, of text: [UInt8], by token: Special, into result: inout [LlamaFragment]) {
        var start = range.lowerBound
        var position = range.lowerBound
        let needle = token.bytes
        let first = needle[0]
        while position + needle.count <= range.upperBound {
            if text[position] == first && text[position..<(position + needle.count)].elementsEqual(needle) {
                if start < position { result.append(.text(start..<position)) }
                result.append(.token(token.id))
                position += needle.count
                // C's isspace: space, \t, \n, \v, \f, \r.
                while token.stripsRight && position < range.upperBound && (text[position] == 0x20 || (9...13).contains(text[position])) {
                    position += 1
                }
                start = position
            } else {
                position += 1
            }
        }
        if start < range.upperBound { result.append(.text(start..<range.upperBound)) }
    }
}
