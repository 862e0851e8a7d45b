import Foundation
import LoRAKitGGUF
import LoRAKitTokenizers

extension GGUFVocabulary {
    /// The `tokenizer.ggml.*` metadata (and `tokenizer.chat_template`) of a GGUF file. Throws a
    /// `GGUFError` naming the key when one is missing (model, tokens) or of the wrong type.
    public init(file: GGUFFile) throws {
        func optional<T>(_ key: String, _ read: (String) throws -> T) throws -> T? {
            file.metadata[key] == nil ? nil : try read(key)
        }
        let prefix = "tokenizer.ggml."
        self.init(name: file.name, model: try file.string(prefix + "model"), pre: try optional(prefix + "pre", file.string),
                  tokens: try file.strings(prefix + "tokens"), scores: try Self.scores(file),
                  tokenTypes: try optional(prefix + "token_type", file.ints)?.map { Int32(clamping: $0) },
                  merges: try optional(prefix + "merges", file.strings) ?? [])
        bosTokenID = try optional(prefix + "bos_token_id", file.int)
        eosTokenID = try optional(prefix + "eos_token_id", file.int)
        unknownTokenID = try optional(prefix + "unknown_token_id", file.int)
        paddingTokenID = try optional(prefix + "padding_token_id", file.int)
        for key in Self.otherSpecialTokenKeys {
            if let id = try optional(prefix + key, file.int) { otherSpecialTokenIDs[key] = id }
        }
        addBosToken = try optional(prefix + "add_bos_token", file.bool)
        addEosToken = try optional(prefix + "add_eos_token", file.bool)
        addSpacePrefix = try optional(prefix + "add_space_prefix", file.bool)
        chatTemplate = try optional("tokenizer.chat_template", file.string)
        modelName = try optional("general.name", file.string)
    }

    /// float32 scores, or int32 ones as llama.cpp also takes.
    private static func scores(_ file: GGUFFile) throws -> [Float]? {
        let key = "tokenizer.ggml.scores"
        guard let value = file.metadata[key] else { return nil }
        if case .array(let array) = value, let integers = array.integers { return integers.map { Float($0) } }
        return try file.floats(key)
    }
}
