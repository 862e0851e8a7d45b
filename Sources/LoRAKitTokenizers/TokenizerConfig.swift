import Foundation

/// What `tokenizer_config.json` says about a tokenizer beyond tokenizer.json: its named special
/// tokens, whether BOS/EOS are added, and the chat template.
public struct TokenizerConfig: Sendable, Equatable {
    /// The special tokens' texts; written in the file as a string or as `{"content": ...}`.
    public var bosToken: String?
    public var eosToken: String?
    public var padToken: String?
    public var unkToken: String?
    /// `add_bos_token` / `add_eos_token` as written (nil when absent). Reported only:
    /// ``Tokenizer/encode(_:addSpecialTokens:)`` adds what tokenizer.json's post-processor says, as
    /// the tokenizers package does (transformers rewrites that post-processor from these flags).
    public var addBosToken: Bool?
    public var addEosToken: Bool?
    /// The Jinja chat template: `chat_template.jinja` beside the config if present (it wins, as in
    /// transformers ≥ 4.43), else the config's `chat_template` (for the list form, the one named
    /// "default").
    public var chatTemplate: String?

    public init(bosToken: String? = nil, eosToken: String? = nil, padToken: String? = nil,
                unkToken: String? = nil, addBosToken: Bool? = nil, addEosToken: Bool? = nil,
                chatTemplate: String? = nil) {
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.padToken = padToken
        self.unkToken = unkToken
        self.addBosToken = addBosToken
        self.addEosToken = addEosToken
        self.chatTemplate = chatTemplate
    }

    /// Reads `tokenizer_config.json` content; `path` names it in errors.
    public init(json: Data, path: String) throws {
        let object = try parseJSONFile([UInt8](json), path: path)
        let fields = try JSONFields(object, file: path, component: "")
        bosToken = try Self.tokenName(fields, "bos_token")
        eosToken = try Self.tokenName(fields, "eos_token")
        padToken = try Self.tokenName(fields, "pad_token")
        unkToken = try Self.tokenName(fields, "unk_token")
        addBosToken = try fields.optionalBool("add_bos_token")
        addEosToken = try fields.optionalBool("add_eos_token")
        chatTemplate = try Self.chatTemplate(fields)
    }

    /// Reads `tokenizer_config.json` and `chat_template.jinja` from a folder; either may be missing.
    public init(folder: URL) throws {
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            let data = try Self.read(configURL)
            try self.init(json: data, path: configURL.path)
        } else {
            self.init()
        }
        let jinjaURL = folder.appendingPathComponent("chat_template.jinja")
        if FileManager.default.fileExists(atPath: jinjaURL.path) {
            guard let text = String(data: try Self.read(jinjaURL), encoding: .utf8) else {
                throw TokenizerError(file: jinjaURL.path, component: "(file)", reason: "not valid UTF-8")
            }
            chatTemplate = text
        }
    }

    static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw TokenizerError(file: url.path, component: "(file)", reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// A special token is written as a string or as an AddedToken object `{"content": ...}`.
    private static func tokenName(_ fields: JSONFields, _ key: String) throws -> String? {
        if fields.isNull(key) { return nil }
        if let name = fields.values[key] as? String { return name }
        let object = try fields.object(key)
        return try object.string("content")
    }

    /// A string, or a list of `{"name": ..., "template": ...}` of which "default" is used.
    private static func chatTemplate(_ fields: JSONFields) throws -> String? {
        if fields.isNull("chat_template") { return nil }
        if let template = fields.values["chat_template"] as? String { return template }
        let named = try fields.objects("chat_template")
        for entry in named where try entry.string("name") == "default" {
            return try entry.string("template")
        }
        let names = try named.map { try $0.string("name") }
        throw fields.fieldError("chat_template", "no template named \"default\" (found: \(names.joined(separator: ", ")))")
    }
}
