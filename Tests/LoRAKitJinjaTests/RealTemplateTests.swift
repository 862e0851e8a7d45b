import Foundation
import Testing
@testable import LoRAKitJinja

/// Six real chat templates × every fixture conversation × add_generation_prompt on and off,
/// against transformers' renderings, byte for byte.
@Suite struct RealTemplateTests {
    @Test func everyRenderingMatchesTransformers() throws {
        let file = try Fixtures.json("real_renderings.json")
        let now = Fixtures.frozenNow(file)
        var templates: [String: ChatTemplate] = [:]
        let cases = Fixtures.cases(file)
        #expect(cases.count == 306)
        for c in cases {
            let fileName = c.string("file")
            if templates[fileName] == nil {
                templates[fileName] = try ChatTemplate(source: Fixtures.text("templates/" + fileName), name: fileName)
            }
            checkRendering(c, templates[fileName]!, now: now)
        }
    }
}

/// Renders one fixture case and compares it with transformers' output (or its error).
func checkRendering(_ c: OrderedDict, _ template: ChatTemplate, now: Date) {
    let label = "\(c.string("template")) / \(c.string("conversation")) / add_generation_prompt="
        + "\(c["add_generation_prompt"]?.isTruthy ?? false)"
        + (c["continue_final_message"]?.isTruthy == true ? " / continue_final_message" : "")
    guard case .array(let messages)? = c["messages"], case .dict(var variables)? = c["variables"] else {
        Issue.record("malformed fixture \(label)")
        return
    }
    var tools: [Value]?
    if case .array(let t)? = variables["tools"] { tools = t }
    variables["tools"] = nil
    let vars = Dictionary(uniqueKeysWithValues: variables.pairs.map { ($0.key.stringValue ?? "", $0.value) })
    let render = {
        try template.render(messages: messages, addGenerationPrompt: c["add_generation_prompt"]?.isTruthy ?? false,
                            continueFinalMessage: c["continue_final_message"]?.isTruthy ?? false,
                            tools: tools, variables: vars, now: now, timeZone: utc)
    }
    if let expectedError = c["error"]?.stringValue {
        do {
            _ = try render()
            Issue.record("\(label) rendered, but transformers raised \(expectedError)")
        } catch {
            expectSameError(error, expectedError, label)
        }
        return
    }
    let expected = c.string("output")
    do {
        let actual = try render()
        #expect(actual == expected, "\(label): \(firstDifference(actual, expected))")
    } catch {
        Issue.record("\(label) threw \(error)")
    }
}
