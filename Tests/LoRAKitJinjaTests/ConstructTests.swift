import Foundation
import Testing
@testable import LoRAKitJinja

/// Small hand-written templates, one Jinja construct each, against jinja2 in transformers' environment.
@Suite struct ConstructTests {
    @Test func everyConstructMatchesJinja() throws {
        let file = try Fixtures.json("constructs.json")
        let now = Fixtures.frozenNow(file)
        let cases = Fixtures.cases(file)
        #expect(cases.count >= 100)
        for c in cases { check(c, now: now) }
    }

    private func check(_ c: OrderedDict, now: Date) {
        let name = c.string("name")
        let source = c.string("template")
        var context: [String: Value] = [:]
        if case .dict(let d)? = c["context"] {
            for (k, v) in d.pairs { context[k.stringValue ?? ""] = v }
        }
        let render = { try ChatTemplate(source: source, name: name).render(context: context, now: now, timeZone: utc) }
        if let expectedError = c["error"]?.stringValue {
            do {
                let output = try render()
                Issue.record("\(name) rendered \(pythonStringRepr(output)) but jinja2 raised \(expectedError)")
            } catch {
                expectSameError(error, expectedError, name)
            }
            return
        }
        let expected = c.string("output")
        do {
            let actual = try render()
            #expect(actual == expected, "\(name): \(firstDifference(actual, expected))")
        } catch {
            Issue.record("\(name) threw \(error); expected \(pythonStringRepr(expected))")
        }
    }
}
