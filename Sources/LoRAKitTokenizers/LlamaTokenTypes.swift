/// The token types llama.cpp ends up with: `llama_vocab::impl::load` fixes some by their text
/// after reading `tokenizer.ggml.token_type`, and those fixes decide what is cut out of text as
/// a special token and what decoding hides.
enum LlamaTokenTypes {
    /// End-of-generation texts: always made control tokens.
    static let endOfGeneration: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<\u{FF5C}end\u{2581}of\u{2581}sentence\u{FF5C}>", "[e~[",
    ]

    /// Fill-in-the-middle texts by the id field that, when the file sets it, stops the search.
    /// llama.cpp makes the first one it meets a control token (in hash order; here list order).
    static let fillInTheMiddle: [(fields: [String], texts: [String])] = [
        (["fim_pre_token_id", "prefix_token_id"], ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<\u{FF5C}fim\u{2581}begin\u{FF5C}>", "<PRE>", "\u{2581}<PRE>", "<|code_prefix|>", "<|prefix|>"]),
        (["fim_suf_token_id", "suffix_token_id"], ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<\u{FF5C}fim\u{2581}hole\u{FF5C}>", "<SUF>", "\u{2581}<SUF>", "<|code_suffix|>", "<|suffix|>"]),
        (["fim_mid_token_id", "middle_token_id"], ["<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<\u{FF5C}fim\u{2581}end\u{FF5C}>", "<MID>", "\u{2581}<MID>", "<|code_middle|>", "<|middle|>"]),
        (["fim_pad_token_id"], ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]),
        (["fim_rep_token_id"], ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]),
        (["fim_sep_token_id"], ["<|file_sep|>"]),
    ]

    /// gpt-oss's tokens that llama.cpp always renders.
    static let alwaysRendered: Set<String> = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]

    static func types(_ vocabulary: GGUFVocabulary) -> [GGUFVocabulary.TokenType] {
        var types = vocabulary.tokens.indices.map { vocabulary.type(of: $0) }
        var ids: [String: Int] = [:]
        for (id, token) in vocabulary.tokens.enumerated() { ids[token] = id }
        for (fields, texts) in fillInTheMiddle where fields.allSatisfy({ vocabulary.otherSpecialTokenIDs[$0] == nil }) {
            if let id = texts.lazy.compactMap({ ids[$0] }).first { types[id] = .control }
        }
        for (id, token) in vocabulary.tokens.enumerated() {
            if endOfGeneration.contains(token) { types[id] = .control }
            if alwaysRendered.contains(token) { types[id] = .userDefined }
        }
        return types
    }
}
