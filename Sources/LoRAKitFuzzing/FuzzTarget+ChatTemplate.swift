import Foundation
import LoRAKitJinja

extension FuzzTarget {
    /// A chat template's source, parsed and rendered over a fixed conversation, with and without
    /// the generation prompt, and with generation spans. Limits tighter than the defaults keep
    /// each input fast; the defaults bound time and memory the same way, only later.
    static let chatTemplate = FuzzTarget(name: "chat-template", summary: "a Jinja chat template, parsed and rendered") { data in
        let limits = RenderLimits(maxLoopIterations: 20_000, maxOutputBytes: 1 << 20, maxCallDepth: 40)
        let template = try ChatTemplate(source: String(decoding: data, as: UTF8.self), name: "fuzz", limits: limits)
        let variables: [String: Value] = ["bos_token": .string("<s>"), "eos_token": .string("</s>")]
        // Strict templates refuse a tool exchange; every template must render the plain chat.
        _ = try? template.render(messages: FuzzConversation.withTools, addGenerationPrompt: true, variables: variables,
                                 now: FuzzConversation.now, timeZone: FuzzConversation.utc)
        _ = try template.renderWithGenerationSpans(messages: FuzzConversation.plain, addGenerationPrompt: true, variables: variables,
                                                   now: FuzzConversation.now, timeZone: FuzzConversation.utc)
    }
}

/// Two conversations: system, user, assistant, user; and one with a tool call and its result.
enum FuzzConversation {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let utc = TimeZone(identifier: "UTC")!

    static let plain: [Value] = [
        ChatMessage(role: "system", content: "You add numbers.").value,
        ChatMessage(role: "user", content: "2 + 3?").value,
        ChatMessage(role: "assistant", content: "5").value,
        ChatMessage(role: "user", content: "Thanks! And 1.5 + 2?").value,
    ]

    static var withTools: [Value] {
        let arguments = Value.dict(OrderedDict([("a", .int(2)), ("b", .int(3))]))
        let call = Value.dict(OrderedDict([
            ("type", .string("function")),
            ("function", .dict(OrderedDict([("name", .string("add")), ("arguments", arguments)]))),
        ]))
        return [
            ChatMessage(role: "user", content: "2 + 3?").value,
            ChatMessage(role: "assistant", content: "", fields: [("tool_calls", .array([call]))]).value,
            ChatMessage(role: "tool", content: "5").value,
        ]
    }
}
