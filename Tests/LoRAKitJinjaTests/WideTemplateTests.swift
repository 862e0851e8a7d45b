import Foundation
import Testing
@testable import LoRAKitJinja

/// Opt-in: every template of llama.cpp's collection (about 70) × every fixture conversation against
/// transformers. The renderings are not committed (about 4 MB); make them, then point the test at them:
///
///     ~/.cache/lorakit/ref-venv/bin/python Tests/LoRAKitJinjaTests/Fixtures/make_template_fixtures.py --wide /tmp/wide.json
///     LORAKIT_JINJA_WIDE=/tmp/wide.json swift test --filter WideTemplateTests
@Suite struct WideTemplateTests {
    @Test func everyLlamaCppTemplateMatchesTransformers() throws {
        guard let path = ProcessInfo.processInfo.environment["LORAKIT_JINJA_WIDE"] else { return }
        let file = try Value(json: String(contentsOfFile: path, encoding: .utf8))
        let now = Fixtures.frozenNow(file)
        var templates: [String: ChatTemplate] = [:]
        for c in Fixtures.cases(file) {
            let source = c.string("path")
            if templates[source] == nil {
                templates[source] = try ChatTemplate(source: String(contentsOfFile: source, encoding: .utf8),
                                                     name: c.string("template"))
            }
            checkRendering(c, templates[source]!, now: now)
        }
    }
}
