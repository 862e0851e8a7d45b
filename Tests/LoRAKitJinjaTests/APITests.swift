import Foundation
import Testing
@testable import LoRAKitJinja

/// The public API as a caller uses it: typed messages, JSON values, the injectable clock.
@Suite struct APITests {
    @Test func typedMessagesRenderLikeDicts() throws {
        let source = try Fixtures.text("templates/Qwen-Qwen2.5-7B-Instruct.jinja")
        let template = try ChatTemplate(source: source, name: "qwen2.5")
        let typed = try template.render(chat: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        let dicts = try template.render(messages: [["role": "user", "content": "Hi"]], addGenerationPrompt: true)
        #expect(typed == dicts)
        #expect(typed.hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))
    }

    @Test func nowIsInjectable() throws {
        let template = try ChatTemplate(source: "{{ strftime_now('%d %b %Y %H:%M') }}")
        let date = Date(timeIntervalSince1970: 1_725_546_600)  // 2024-09-05T14:30:00Z
        let messages: [Value] = [["role": "user", "content": "x"]]
        #expect(try template.render(messages: messages, now: date, timeZone: utc) == "05 Sep 2024 14:30")
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        #expect(try template.render(messages: messages, now: date, timeZone: tokyo) == "05 Sep 2024 23:30")
    }

    @Test func noneFieldsAreDroppedAndReasoningAliased() throws {
        let template = try ChatTemplate(source: "{{ messages[0] | tojson }}")
        let out = try template.render(messages: [["role": "assistant", "content": "ok", "tool_calls": .none,
                                                  "reasoning": "why"]])
        #expect(out == #"{"thinking": "why", "role": "assistant", "content": "ok", "reasoning": "why", "#
            + #""reasoning_content": "why"}"#)
    }

    @Test func jsonKeepsOrderAndNumberKinds() throws {
        let v = try Value(json: #"{"z": 1, "a": 1.0, "s": "\u00e9\ud83d\ude00\n", "l": [true, null]}"#)
        #expect(try v.toJSON() == #"{"z": 1, "a": 1.0, "s": "é😀\n", "l": [true, null]}"#)
        #expect(try v.toJSON(JSONOptions(ensureASCII: true)).contains(#"\u00e9\ud83d\ude00"#))
        #expect(v.pythonString == #"{'z': 1, 'a': 1.0, 's': 'é😀\n', 'l': [True, None]}"#)
    }

    @Test func floatsPrintLikePython() {
        let cases: [(Double, String)] = [(1, "1.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
                                         (1e-4, "0.0001"), (1e-5, "1e-05"), (-2.5e-7, "-2.5e-07"), (123.456, "123.456"),
                                         (-0.0, "-0.0"), (1.5e300, "1.5e+300")]
        for (d, text) in cases { #expect(Value.double(d).pythonString == text) }
    }

    @Test func templateIsReusableAndSendable() async throws {
        let template = try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}")
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<4 {
                group.addTask { try template.render(messages: [["role": "user", "content": .string("\(i)")]]) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(outputs) == ["0", "1", "2", "3"])
    }
}

@Suite struct ContextTests {
    /// apply_chat_template passes tools=None and documents=None, which are defined (unlike a missing name).
    @Test func emptyConversationIsRefusedAsInTransformers() throws {
        let template = try ChatTemplate(source: "x")
        #expect(throws: JinjaError.self) { try template.render(messages: []) }
        #expect(try template.render(context: [:]) == "x")
    }

    @Test func continueFinalMessageLeavesTheLastMessageOpen() throws {
        let template = try ChatTemplate(source: try Fixtures.text("templates/Qwen-Qwen2.5-7B-Instruct.jinja"))
        let messages: [Value] = [["role": "user", "content": "Hi"], ["role": "assistant", "content": "Hello, I"]]
        let out = try template.render(messages: messages, continueFinalMessage: true)
        #expect(out.hasSuffix("<|im_start|>assistant\nHello, I"))
        #expect(throws: JinjaError.self) {
            try template.render(messages: messages, addGenerationPrompt: true, continueFinalMessage: true)
        }
    }

    @Test func absentToolsAreNoneNotUndefined() throws {
        let template = try ChatTemplate(source: "{{ tools is defined }} {{ tools is none }} {{ documents is none }}")
        #expect(try template.render(messages: [["role": "user", "content": "x"]]) == "True True True")
        let loop = try ChatTemplate(source: "{% for t in tools %}{% endfor %}")
        #expect(throws: JinjaError.self) { try loop.render(messages: [["role": "user", "content": "x"]]) }
    }
}

@Suite struct PerformanceTests {
    /// A long conversation renders in well under a second (linear work per message).
    @Test func longConversationIsFast() throws {
        let template = try ChatTemplate(source: try Fixtures.text("templates/Qwen-Qwen3-0.6B.jinja"))
        var messages: [Value] = []
        for i in 0..<2000 {
            let content = "message \(i) " + String(repeating: "x", count: 200)
            messages.append(["role": i % 2 == 0 ? "user" : "assistant", "content": .string(content)])
        }
        let start = Date()
        let out = try template.render(messages: messages, addGenerationPrompt: true)
        let seconds = Date().timeIntervalSince(start)
        #expect(out.utf8.count > 400_000)
        #expect(seconds < 2, "took \(seconds) s")
    }
}
