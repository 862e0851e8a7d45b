/// A GGUF vocabulary's tokenizer, run as llama.cpp's `llama_vocab` runs it (`tokenize` with
/// `parse_special`, `detokenize`).
///
/// Both kinds of model are carried by this module's BPE model, since the rules coincide:
/// - "gpt2": llama.cpp's merge loop (lowest rank first, ties to the left) is BPE's; the pieces
///   are llama.cpp's regex splits of each text fragment, in GPT-2's byte alphabet.
/// - "llama": llama.cpp merges the adjacent pair whose joined text is a token with the highest
///   score, ties to the left. That is BPE over every (left, right) split of every token, ranked by
///   the joined token's score (equal scores, equal rank, so ties still go left). A character that
///   is no token becomes its `<0xXX>` byte tokens, or the unknown token.
struct LlamaVocab: Sendable {
    let isSentencePiece: Bool
    let model: BPEModel
    let preTokenizer: PreTokenizer?
    let special: LlamaSpecialTokens
    let bos: Int32?
    let eos: Int32?
    let addBos: Bool
    let addEos: Bool
    let addSpacePrefix: Bool
    let detokenizer: LlamaDetokenizer

    init(_ vocabulary: GGUFVocabulary) throws {
        try vocabulary.validate()
        isSentencePiece = vocabulary.model == "llama"
        let tokens = vocabulary.tokens.enumerated().map { $1.isEmpty ? "[EMPTY_\($0)]" : $1 }
        var settings: LlamaPreTokenizer?
        if isSentencePiece {
            (preTokenizer, settings) = (nil, nil)
            model = BPEModel(tokens: tokens, merges: Self.sentencePieceMerges(tokens, vocabulary.scores),
                             unknownID: Self.id(vocabulary.unknownTokenID, default: 0, count: tokens.count),
                             byteFallback: true, ignoreMerges: false)
        } else {
            guard let known = LlamaPreTokenizer(pre: vocabulary.pre) else {
                throw vocabulary.error("tokenizer.ggml.pre", "pre-tokenizer \"\(vocabulary.pre ?? "")\" is not supported "
                    + "(supported: default, llama-bpe/llama3, qwen2, gpt-2, smollm, starcoder, deepseek-llm, deepseek-coder, falcon, …)")
            }
            settings = known
            preTokenizer = try known.preTokenizer(file: vocabulary.name)
            model = BPEModel(tokens: tokens, merges: try Self.rankedMerges(vocabulary, tokens: tokens), unknownID: nil,
                             byteFallback: false, ignoreMerges: known.ignoreMerges)
        }
        let types = LlamaTokenTypes.types(vocabulary)
        special = LlamaSpecialTokens(vocabulary: vocabulary, types: types)
        // llama.cpp's defaults when the file names none: 1/2 for SentencePiece, 11 for BPE.
        bos = Self.id(vocabulary.bosTokenID, default: isSentencePiece ? 1 : 11, count: tokens.count)
        eos = Self.id(vocabulary.eosTokenID, default: isSentencePiece ? 2 : 11, count: tokens.count)
        addBos = vocabulary.addBosToken ?? (isSentencePiece || settings?.addBos == true)
        addEos = vocabulary.addEosToken ?? false
        addSpacePrefix = vocabulary.addSpacePrefix ?? isSentencePiece
        detokenizer = LlamaDetokenizer(tokens: tokens, types: types, sentencePiece: isSentencePiece,
                                       cleanSpaces: settings?.cleanSpaces ?? false,
                                       removeSpace: addSpacePrefix, bos: bos, eos: eos, addBos: addBos, addEos: addEos)
    }

    private static func id(_ given: Int64?, default fallback: Int32, count: Int) -> Int32? {
        if let given { return Int32(given) }
        return Int(fallback) < count ? fallback : nil
    }

    /// `tokenizer.ggml.merges` as llama.cpp reads them: split at the first space after the first
    /// character; the first of two equal pairs keeps its rank.
    private static func rankedMerges(_ vocabulary: GGUFVocabulary, tokens: [String]) throws -> MergeTable {
        let ids = Dictionary(tokens.enumerated().map { (ExactString($1), Int32($0)) }, uniquingKeysWith: { $1 })
        var table = MergeTable(capacity: vocabulary.merges.count)
        for (rank, merge) in vocabulary.merges.enumerated() {
            let field = "tokenizer.ggml.merges[\(rank)]"
            let bytes = Array(merge.utf8)
            guard bytes.count > 1, let space = bytes[1...].firstIndex(of: 0x20) else {
                throw vocabulary.error(field, "\"\(merge)\" is not two tokens separated by a space")
            }
            let left = String(decoding: bytes[..<space], as: UTF8.self)
            let right = String(decoding: bytes[(space + 1)...], as: UTF8.self)
            func id(_ token: String) throws -> Int32 {
                guard let id = ids[ExactString(token)] else {
                    throw vocabulary.error(field, "merge \"\(merge)\" names \"\(token)\", which is not in tokenizer.ggml.tokens")
                }
                return id
            }
            let key = BPEWord.key(try id(left), try id(right))
            if table[key] == nil { table.set(key, BPEMerge(rank: Int32(rank), id: try id(left + right))) }
        }
        return table
    }

    /// Every split of every token into two tokens, ranked by the whole token's score (highest
    /// first; equal scores share a rank).
    private static func sentencePieceMerges(_ tokens: [String], _ scores: [Float]?) -> MergeTable {
        let ids = Dictionary(tokens.enumerated().map { (ExactString($1), Int32($0)) }, uniquingKeysWith: { $1 })
        let distinct = Array(Set(scores ?? [0])).sorted(by: >)
        let rankOf = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int32($0)) })
        var pairs: [(key: UInt64, merge: BPEMerge)] = []
        for (id, token) in tokens.enumerated() {
            let scalars = Array(token.unicodeScalars)
            guard scalars.count > 1, ids[ExactString(token)] == Int32(id) else { continue }
            let rank = rankOf[scores?[id] ?? 0] ?? 0
            for cut in 1..<scalars.count {
                guard let left = ids[ExactString(makeString(scalars[..<cut]))],
                      let right = ids[ExactString(makeString(scalars[cut...]))] else { continue }
                pairs.append((BPEWord.key(left, right), BPEMerge(rank: rank, id: Int32(id))))
            }
        }
        var table = MergeTable(capacity: pairs.count)
        for pair in pairs { table.set(pair.key, pair.merge) }
        return table
    }
}
