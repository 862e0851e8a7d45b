extension Tokenizer {
    /// The tokenizer of a GGUF model's metadata, giving the ids llama.cpp gives: special tokens
    /// (control, user-defined, unknown) are recognized in text, as llama.cpp does with
    /// `parse_special`, and `addSpecialTokens` adds BOS/EOS as the vocabulary says.
    ///
    /// ``config`` names the BOS, EOS, unknown and padding tokens by their text, and carries
    /// `tokenizer.chat_template`. Throws a ``TokenizerError`` naming the field for a model kind or
    /// pre-tokenizer this library does not run, mismatched array lengths, a bad merge, or a
    /// special token id out of range.
    public convenience init(gguf vocabulary: GGUFVocabulary) throws {
        let llama = try LlamaVocab(vocabulary)
        // The ids are checked against the vocabulary; its tokens are as llama.cpp names them.
        func text(_ id: Int32?) -> String? { id.flatMap { llama.model.tokens[Int($0)] } }
        // llama.cpp's defaults stand where the file names no BOS/EOS/unknown; padding has none.
        let config = TokenizerConfig(bosToken: text(llama.bos), eosToken: text(llama.eos),
                                     padToken: text(vocabulary.paddingTokenID.map(Int32.init)),
                                     unkToken: text(vocabulary.unknownTokenID.map(Int32.init) ?? llama.model.unknownID),
                                     addBosToken: llama.addBos, addEosToken: llama.addEos,
                                     chatTemplate: vocabulary.chatTemplate)
        self.init(llama: llama, config: config)
    }
}
