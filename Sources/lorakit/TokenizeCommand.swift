import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit tokenize`: a model's tokenizer and chat template applied to text, as transformers
/// applies them, for checking what training will see.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode text with a model's tokenizer.json or GGUF tokenizer, or render a conversation with its chat template.",
        discussion: """
            --text or --file: the ids (with --special, the special tokens the post-processor adds, as \
            add_special_tokens=True). --chat FILE: FILE holds one {"messages": [...]} object; prints the rendered \
            template and its ids (encoded without adding special tokens, as apply_chat_template does). --json prints \
            one object: {"ids", "decoded"} (decoded keeps special tokens), or {"text", "ids"} for --chat.
            """)

    @Option(help: "A folder with tokenizer.json (a model folder or a tokenizer-only folder), or a .gguf model file.") var model: String
    @Option(help: "Text to encode.") var text: String?
    @Option(help: "File whose UTF-8 text to encode.") var file: String?
    @Option(help: "File with one {\"messages\": [...]} object to render with the chat template.") var chat: String?
    @Flag(help: "Add special tokens as the post-processor does (add_special_tokens=True).") var special = false
    @Flag(help: "With --chat: append the assistant header (add_generation_prompt=True).") var generationPrompt = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard [text, file, chat].compactMap({ $0 }).count == 1 else { throw ValidationError("give exactly one of --text, --file, --chat") }
        guard chat == nil || !special else { throw ValidationError("--special applies to --text and --file; a template adds its own") }
        guard chat != nil || !generationPrompt else { throw ValidationError("--generation-prompt needs --chat") }
    }

    func run() throws {
        let tokenizer = try ModelTokenizer(folder: URL(fileURLWithPath: model))
        if let chat {
            let messages = try Self.messages(in: chat)
            let rendered = try tokenizer.renderChat(messages, addGenerationPrompt: generationPrompt)
            let ids = tokenizer.encode(rendered, addSpecialTokens: false)
            print(json ? try Self.json(["text": rendered, "ids": ids]) : rendered + "\n" + ids.map(String.init).joined(separator: " "))
            return
        }
        let input = try text ?? Self.readText(file!)
        let ids = tokenizer.encode(input, addSpecialTokens: special)
        print(json ? try Self.json(["ids": ids, "decoded": tokenizer.decode(ids)]) : ids.map(String.init).joined(separator: " "))
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("\(path): not UTF-8 text") }
        return text
    }

    /// The conversation of a file holding one {"messages": [...]} object.
    static func messages(in path: String) throws -> [ChatTurn] {
        let text = try readText(path)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw DatasetError(file: path, line: 0, "not JSON: \(error.localizedDescription)")
        }
        guard case .conversation(let messages) = try DatasetRecord(json: object, file: path, line: 1) else {
            throw DatasetError(file: path, line: 0, "--chat needs an object with \"messages\"")
        }
        return messages
    }

    /// One line of JSON with keys sorted, strings unescaped where JSON allows.
    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
