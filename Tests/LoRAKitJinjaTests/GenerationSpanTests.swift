import Foundation
import Testing
@testable import LoRAKitJinja

/// `{% generation %}` spans (what transformers' return_assistant_tokens_mask builds the assistant
/// mask from) against transformers, offset for offset.
@Suite struct GenerationSpanTests {
    @Test func spansMatchTransformers() throws {
        let file = try Fixtures.json("generation_spans.json")
        let cases = Fixtures.cases(file)
        #expect(cases.count == 24)
        for c in cases {
            let agp = c["add_generation_prompt"]?.isTruthy ?? false
            let label = "\(c.string("name")) / \(c.string("conversation")) / add_generation_prompt=\(agp)"
            guard case .array(let messages)? = c["messages"], case .array(let spans)? = c["spans"] else {
                Issue.record("malformed fixture \(label)")
                continue
            }
            let expected = spans.compactMap { span -> Range<Int>? in
                guard case .array(let pair) = span, pair.count == 2,
                      let a = pair[0].intValue, let b = pair[1].intValue else { return nil }
                return a..<b
            }
            let template = try ChatTemplate(source: c.string("template"), name: c.string("name"))
            let rendering = try template.renderWithGenerationSpans(messages: messages, addGenerationPrompt: agp)
            let expectedText = c.string("output")
            #expect(rendering.text == expectedText, "\(label): \(firstDifference(rendering.text, expectedText))")
            #expect(rendering.generationSpans == expected, "\(label)")
        }
    }

    @Test func utf8SpansCoverTheSameText() throws {
        let template = try ChatTemplate(source: "é{% generation %}日本{% endgeneration %}🎉")
        let r = try template.renderWithGenerationSpans(messages: [["role": "user", "content": "x"]])
        #expect(r.generationSpans == [1..<3])
        let span = try #require(r.generationUTF8Spans.first)
        let bytes = Array(r.text.utf8)
        #expect(String(decoding: bytes[span], as: UTF8.self) == "日本")
    }
}
