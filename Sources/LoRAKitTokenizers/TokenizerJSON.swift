import Foundation

/// The parts of a `tokenizer.json`, read and checked; `Tokenizer` runs them.
struct TokenizerJSON: Sendable {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: BPEModel
    let postProcessor: PostProcessor?
    let decoder: Decoder?
    let addedTokens: [AddedToken]

    /// Parts built in code (a GGUF vocabulary's model, with no other components).
    init(model: BPEModel) {
        self.model = model
        (normalizer, preTokenizer, postProcessor, decoder, addedTokens) = (nil, nil, nil, nil, [])
    }

    init(json: Data, path: String) throws {
        let object = try parseJSONFile([UInt8](json), path: path)
        let root = try JSONFields(object, file: path, component: "")
        guard root.values["model"] != nil else {
            throw TokenizerError(file: path, component: "model", reason: "missing; a tokenizer.json needs a model")
        }
        let modelFields = try root.object("model")
        let modelType = try modelFields.optionalString("type") ?? "BPE"
        guard modelType == "BPE" else {
            throw modelFields.error("model type \"\(modelType)\" is not supported (only BPE)")
        }
        model = try BPEModel(modelFields)
        normalizer = try Self.optional(root, "normalizer", Normalizer.parse)
        preTokenizer = try Self.optional(root, "pre_tokenizer", PreTokenizer.parse)
        postProcessor = try Self.optional(root, "post_processor", PostProcessor.parse)
        decoder = try Self.optional(root, "decoder", Decoder.parse)
        addedTokens = root.isNull("added_tokens") ? [] : try root.objects("added_tokens").map(AddedToken.init)
        try Self.checkAddedTokens(addedTokens, model: model, root: root)
    }

    private static func optional<T>(_ root: JSONFields, _ key: String, _ parse: (JSONFields) throws -> T) throws -> T? {
        root.isNull(key) ? nil : try parse(root.object(key))
    }

    /// Two added tokens may not share an id, and an added token that is also in the vocabulary must
    /// have the vocabulary's id; otherwise encoding and decoding would disagree.
    private static func checkAddedTokens(_ tokens: [AddedToken], model: BPEModel, root: JSONFields) throws {
        var seen: [Int32: String] = [:]
        for (index, token) in tokens.enumerated() {
            let component = "added_tokens[\(index)]"
            if let other = seen[token.id], !other.isIdentical(to: token.content) {
                throw TokenizerError(file: root.file, component: component,
                                     reason: "id \(token.id) of \"\(token.content)\" is already used by added token \"\(other)\"")
            }
            seen[token.id] = token.content
            if let vocabularyID = model.vocabulary[ExactString(token.content)], vocabularyID != token.id {
                throw TokenizerError(file: root.file, component: component,
                                     reason: "\"\(token.content)\" has id \(token.id) but the vocabulary gives it \(vocabularyID)")
            }
            if Int(token.id) < model.tokens.count, let vocabularyToken = model.tokens[Int(token.id)],
               !vocabularyToken.isIdentical(to: token.content) {
                throw TokenizerError(file: root.file, component: component,
                                     reason: "id \(token.id) of \"\(token.content)\" is the vocabulary's \"\(vocabularyToken)\"")
            }
        }
    }
}
