import Foundation

/// One line of a JSONL dataset, in one of the formats PEFT/TRL, Unsloth and MLX-LM users have:
///
///     {"text": "..."}                                      language modelling
///     {"prompt": "...", "completion": "..."}               prompt-completion
///     {"prompt": [messages], "completion": [messages]}     conversational prompt-completion
///     {"messages": [{"role": ..., "content": ...}, ...]}   conversation (TRL's and OpenAI's form)
///
/// Other keys on a line (ids, metadata) are ignored, as TRL ignores extra columns.
public enum DatasetRecord: Sendable, Equatable {
    case text(String)
    case promptCompletion(prompt: String, completion: String)
    case conversationalPromptCompletion(prompt: [ChatTurn], completion: [ChatTurn])
    case conversation([ChatTurn])

    /// The format's name, as error messages and reports say it.
    public var format: String {
        switch self {
        case .text: return "text"
        case .promptCompletion: return "prompt-completion"
        case .conversationalPromptCompletion: return "conversational prompt-completion"
        case .conversation: return "messages"
        }
    }

    /// The record of one parsed line; `where` names the file and line in errors.
    public init(json object: Any, file: String, line: Int) throws {
        func fail(_ reason: String) -> DatasetError { DatasetError(file: file, line: line, reason) }
        guard let fields = object as? [String: Any] else { throw fail("a line must be a JSON object, not \(Self.kind(of: object))") }
        let formats = ["text", "prompt", "messages"].filter { fields[$0] != nil }
        guard formats.count == 1 else {
            throw fail(formats.isEmpty ? "no \"text\", \"prompt\"/\"completion\" or \"messages\" field (keys: \(fields.keys.sorted().joined(separator: ", ")))"
                                       : "fields of several formats on one line: \(formats.joined(separator: ", "))")
        }
        switch formats[0] {
        case "text":
            self = .text(try Self.string(fields["text"], "text", fail))
        case "prompt":
            guard let completion = fields["completion"] else { throw fail("\"prompt\" without \"completion\"") }
            if fields["prompt"] is [Any] {
                self = .conversationalPromptCompletion(prompt: try Self.messages(fields["prompt"], "prompt", fail),
                                                       completion: try Self.messages(completion, "completion", fail))
            } else {
                self = .promptCompletion(prompt: try Self.string(fields["prompt"], "prompt", fail),
                                         completion: try Self.string(completion, "completion", fail))
            }
        default:
            self = .conversation(try Self.messages(fields["messages"], "messages", fail))
        }
    }

    private static func string(_ value: Any?, _ field: String, _ fail: (String) -> DatasetError) throws -> String {
        guard let text = value as? String else { throw fail("\"\(field)\" must be a string, not \(kind(of: value as Any))") }
        return text
    }

    private static func messages(_ value: Any?, _ field: String, _ fail: (String) -> DatasetError) throws -> [ChatTurn] {
        guard let list = value as? [Any], !list.isEmpty else { throw fail("\"\(field)\" must be a non-empty list of messages") }
        return try list.enumerated().map { index, item in
            guard let message = item as? [String: Any] else { throw fail("\(field)[\(index)] must be an object with \"role\" and \"content\"") }
            guard let role = message["role"] as? String else { throw fail("\(field)[\(index)] has no string \"role\"") }
            guard ChatTurn.roles.contains(role) else {
                throw fail("\(field)[\(index)] has role \"\(role)\"; expected one of \(ChatTurn.roles.sorted().joined(separator: ", "))")
            }
            guard let content = message["content"] as? String else { throw fail("\(field)[\(index)] (\(role)) has no string \"content\"") }
            return ChatTurn(role: role, content: content)
        }
    }

    /// A JSON value's kind for error messages.
    static func kind(of value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        case is NSNumber: return "a number or boolean"
        default: return "missing"
        }
    }
}
