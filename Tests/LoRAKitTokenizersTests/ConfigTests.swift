import Foundation
import LoRAKitTokenizers
import Testing

@Suite("tokenizer_config.json")
struct ConfigTests {
    static func config(_ json: String) throws -> TokenizerConfig {
        try TokenizerConfig(json: Data(json.utf8), path: "tokenizer_config.json")
    }

    @Test("special tokens as strings or AddedToken objects, and the add_* flags")
    func tokens() throws {
        let config = try Self.config("""
            {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false}, "eos_token": "</s>",
             "pad_token": null, "unk_token": {"content": "<unk>"}, "add_bos_token": true, "add_eos_token": false}
            """)
        #expect(config == TokenizerConfig(bosToken: "<s>", eosToken: "</s>", padToken: nil, unkToken: "<unk>",
                                          addBosToken: true, addEosToken: false, chatTemplate: nil))
    }

    @Test("chat_template as a string, or the list form's \"default\"")
    func chatTemplate() throws {
        #expect(try Self.config(#"{"chat_template": "{{ x }}"}"#).chatTemplate == "{{ x }}")
        let list = try Self.config(#"{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}"#)
        #expect(list.chatTemplate == "D")
        #expect(throws: TokenizerError(file: "tokenizer_config.json", component: "chat_template",
                                       reason: "no template named \"default\" (found: tool_use)")) {
            try Self.config(#"{"chat_template": [{"name": "tool_use", "template": "T"}]}"#)
        }
    }

    @Test("chat_template.jinja beside the config wins")
    func jinjaFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokcfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"chat_template": "old", "eos_token": "</s>"}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        #expect(try TokenizerConfig(folder: folder).chatTemplate == "old")
        try Data("{% for m in messages %}{{ m.content }}{% endfor %}".utf8)
            .write(to: folder.appendingPathComponent("chat_template.jinja"))
        let config = try TokenizerConfig(folder: folder)
        #expect(config.chatTemplate == "{% for m in messages %}{{ m.content }}{% endfor %}")
        #expect(config.eosToken == "</s>")
    }

    @Test("a wrong type names the field")
    func wrongType() {
        #expect(throws: TokenizerError(file: "tokenizer_config.json", component: "add_bos_token", reason: "expected true or false")) {
            try Self.config(#"{"add_bos_token": "yes"}"#)
        }
    }
}
