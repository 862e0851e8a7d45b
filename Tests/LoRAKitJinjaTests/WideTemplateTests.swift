import Foundation
import Testing
@testable import LoRAKitJinja

/// Every template of llama.cpp's collection (about 70) × every fixture conversation against
/// transformers' renderings (Fixtures/wide_renderings.json, made by
/// `make_template_fixtures.py --wide Fixtures/wide_renderings.json` with the reference venv). The
/// templates come from the llama-cpp-python 0.3.36 sdist that ci/fetch-references unpacks
/// (`LORAKIT_LLAMACPP_MODELS/templates`); without it the test skips, except under CI=true, where
/// it runs and fails.
@Suite struct WideTemplateTests {
    static let models = ProcessInfo.processInfo.environment["LORAKIT_LLAMACPP_MODELS"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/lorakit/ref/llama_cpp_python-0.3.36/vendor/llama.cpp/models")
    static let templates = models.appendingPathComponent("templates")
    static let enabled = FileManager.default.fileExists(atPath: templates.path) || ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(.enabled(if: enabled))
    func everyLlamaCppTemplateMatchesTransformers() throws {
        let file = try Fixtures.json("wide_renderings.json")
        let now = Fixtures.frozenNow(file)
        var templates: [String: ChatTemplate] = [:]
        let cases = Fixtures.cases(file)
        #expect(cases.count == 3080)
        for c in cases {
            let name = c.string("template")
            if templates[name] == nil {
                let url = Self.templates.appendingPathComponent(name)
                templates[name] = try ChatTemplate(source: String(contentsOf: url, encoding: .utf8), name: name)
            }
            checkRendering(c, templates[name]!, now: now)
        }
    }
}
