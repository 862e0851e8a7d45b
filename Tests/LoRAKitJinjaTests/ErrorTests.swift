import Foundation
import Testing
@testable import LoRAKitJinja

/// Errors name the template, line and column; limits stop runaway templates early.
@Suite struct ErrorTests {
    private func error(_ source: String, context: [String: Value] = [:], limits: RenderLimits = RenderLimits())
        -> JinjaError?
    {
        do {
            _ = try ChatTemplate(source: source, name: "t.jinja", limits: limits).render(context: context)
            return nil
        } catch let e as JinjaError {
            return e
        } catch {
            return nil
        }
    }

    @Test func unclosedBlockNamesTheBlock() throws {
        let e = try #require(error("line one\n{% if true %}\nnever closed"))
        #expect(e.kind == .syntax)
        #expect(e.message.contains("The innermost block that needs to be closed is 'if'"))
        #expect(e.location?.line == 3)
        #expect(e.description.hasPrefix("t.jinja:3:"))
    }

    @Test func unknownTagHasLineAndColumn() throws {
        let e = try #require(error("a\nb\n  {% frobnicate %}"))
        #expect(e.kind == .syntax)
        #expect(e.message == "Encountered unknown tag 'frobnicate'.")
        #expect(e.location == SourceLocation(line: 3, column: 6))
    }

    @Test func mismatchedEndTag() throws {
        let e = try #require(error("{% for x in y %}\n{% endif %}"))
        #expect(e.message.contains("Encountered unknown tag 'endif'"))
        #expect(e.message.contains("'endfor' or 'else'"))
        #expect(e.location?.line == 2)
    }

    @Test func badExpressionHasLine() throws {
        let e = try #require(error("ok\n{{ 1 + }}"))
        #expect(e.kind == .syntax)
        #expect(e.location?.line == 2)
        let unclosed = try #require(error("{{ 'a' "))
        #expect(unclosed.message.contains("expected 'end of print statement'"))
        let comment = try #require(error("{# never closed"))
        #expect(comment.message.contains("comment"))
    }

    @Test func runtimeErrorHasLocation() throws {
        let e = try #require(error("line\n  {{ 'a' + 1 }}"))
        #expect(e.kind == .runtime)
        #expect(e.message == "TypeError: can only concatenate str (not \"int\") to str")
        #expect(e.location?.line == 2)
        #expect(e.description.hasPrefix("t.jinja:2:"))
    }

    @Test func raiseExceptionThrowsItsMessage() throws {
        let e = try #require(error("{% if true %}{{ raise_exception('Roles must alternate ' ~ 2) }}{% endif %}"))
        #expect(e.kind == .raised)
        #expect(e.message == "Roles must alternate 2")
    }

    @Test func hugeRangeFailsAtOnce() throws {
        let start = Date()
        let e = try #require(error("{% for i in range(10**9) %}x{% endfor %}"))
        #expect(e.kind == .limit)
        #expect(e.message.contains("maxLoopIterations"))
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test func nestedLoopsHitTheIterationLimit() throws {
        let source = "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
            + "{% endfor %}{% endfor %}{% endfor %}"
        let e = try #require(error(source, limits: RenderLimits(maxLoopIterations: 100_000)))
        #expect(e.kind == .limit)
        #expect(e.message.contains("loop iterations"))
    }

    @Test func outputLimit() throws {
        let e = try #require(error("{% for i in range(100) %}0123456789{% endfor %}",
                                   limits: RenderLimits(maxOutputBytes: 500)))
        #expect(e.kind == .limit)
        #expect(e.message.contains("maxOutputBytes"))
        let repeated = try #require(error("{{ 'x' * 10**9 }}"))
        #expect(repeated.kind == .limit)
    }

    @Test func macroRecursionLimit() throws {
        let e = try #require(error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
        #expect(e.kind == .limit)
        #expect(e.message.contains("maxCallDepth"))
    }

    @Test func undefinedPrintsEmptyButFailsWhenUsed() throws {
        let context: [String: Value] = ["m": ["role": "user"]]
        let t = try ChatTemplate(
            source: "[{{ m.nope }}][{{ nothing }}][{{ m.nope is defined }}][{{ nothing | length }}]")
        #expect(try t.render(context: context) == "[][][False][0]")
        #expect(error("{{ nothing() }}")?.message == "UndefinedError: 'nothing' is undefined")
        #expect(error("{{ m.nope() }}", context: context)?.message
                == "UndefinedError: 'dict object' has no attribute 'nope'")
        #expect(error("{{ nothing.attr }}")?.message == "UndefinedError: 'nothing' is undefined")
        #expect(error("{{ m.nope + 'x' }}", context: context)?.kind == .runtime)
        #expect(error("{{ nothing | tojson }}") != nil)
        #expect(error("{{ messages[0]['role'] }}", context: ["messages": []])?.message
                == "UndefinedError: list object has no element 0")
    }

    @Test func unsupportedTagsSaySo() throws {
        let e = try #require(error("{% include 'other.jinja' %}"))
        #expect(e.message.contains("not supported"))
    }

    @Test func sandboxRefusesMutation() throws {
        let e = try #require(error("{% set l = [1] %}{{ l.append(2) }}"))
        #expect(e.message.contains("SecurityError"))
    }
}

/// Hostile input fails with an error, never a crash: deep nesting, integer overflow, cycles.
@Suite struct RobustnessTests {
    private func fails(_ source: String) -> Bool {
        do {
            _ = try ChatTemplate(source: source).render(context: [:])
            return false
        } catch {
            return error is JinjaError
        }
    }

    @Test func deepNestingIsASyntaxError() {
        #expect(fails("{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"))
        #expect(fails("{{ " + String(repeating: "- ", count: 5000) + "1 }}"))
        #expect(fails("{{ " + String(repeating: "not ", count: 5000) + "1 }}"))
        #expect(fails(String(repeating: "{% if true %}", count: 5000)))
        #expect(fails("{{ " + String(repeating: "[", count: 5000) + " }}"))
    }

    @Test func integerOverflowThrows() {
        let min = "(-9223372036854775807 - 1)"
        for expr in ["9223372036854775807 + 1", "-\(min)", "\(min) // -1", "\(min) | abs", "2 ** 64",
                     "9223372036854775807 * 2", "99999999999999999999"] {
            #expect(fails("{{ \(expr) }}"), "\(expr)")
        }
        #expect(!fails("{{ \(min) % -1 }}"))
        #expect(!fails("{{ range(-9223372036854775807, 9223372036854775807, 9223372036854775807) | list }}"))
        #expect(fails("{{ range(-9223372036854775807, 9223372036854775807) | list }}"))  // too long
        #expect(fails("{{ '%d' % 1e300 }}"))
        #expect(fails("{{ [0] * 10**8 }}"))
    }

    @Test func selfReferenceDoesNotRecurseForever() throws {
        let t = try ChatTemplate(
            source: "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | string | length > 0 }}")
        #expect(try t.render(context: [:]) == "True")
        #expect(fails("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}"))
    }

    @Test func hugeFloatsFormat() throws {
        let t = try ChatTemplate(
            source: "{{ ('%.2f' % 1e300) | length }} {{ 1e300 | round(2) }} {{ 2.675 | round(2) }}")
        #expect(try t.render(context: [:]) == "304 1e+300 2.67")
    }
}
