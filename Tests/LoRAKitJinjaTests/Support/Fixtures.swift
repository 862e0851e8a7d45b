import Foundation
import Testing
@testable import LoRAKitJinja

/// The fixtures written by Fixtures/make_template_fixtures.py, read from the source tree.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// A fixture JSON file, parsed keeping key order and int/float.
    static func json(_ name: String) throws -> Value {
        try Value(json: text(name))
    }

    /// The instant the script froze `strftime_now` at (a naive datetime, so read in UTC).
    static func frozenNow(_ file: Value) -> Date {
        guard case .dict(let d) = file, let epoch = d["frozen_now_epoch"]?.intValue else { return Date() }
        return Date(timeIntervalSince1970: TimeInterval(epoch))
    }

    static func cases(_ file: Value) -> [OrderedDict] {
        guard case .dict(let d) = file, case .array(let items)? = d["cases"] else { return [] }
        return items.compactMap { if case .dict(let c) = $0 { return c } else { return nil } }
    }
}

let utc = TimeZone(identifier: "UTC")!

/// Where two strings first differ, with some context, for a readable failure.
func firstDifference(_ actual: String, _ expected: String) -> String {
    let a = Array(actual.unicodeScalars), e = Array(expected.unicodeScalars)
    var i = 0
    while i < a.count, i < e.count, a[i] == e[i] { i += 1 }
    func excerpt(_ s: [Unicode.Scalar]) -> String {
        let lo = max(0, i - 30), hi = min(s.count, i + 30)
        return pythonStringRepr(String(String.UnicodeScalarView(s[lo..<hi])))
    }
    return "first difference at code point \(i) (of \(a.count) vs \(e.count) expected): got \(excerpt(a)), expected \(excerpt(e))"
}

extension OrderedDict {
    func string(_ key: String) -> String { self[key]?.stringValue ?? "" }
}

/// The error must be a JinjaError saying what Python said ("Type: message" as the script records it):
/// `raise_exception` as kind .raised with its message, syntax errors as .syntax, the rest as .runtime
/// with Python's exception type leading the message.
func expectSameError(_ error: Error, _ python: String, _ label: String) {
    guard let error = error as? JinjaError else {
        Issue.record("\(label) threw \(error), not a JinjaError")
        return
    }
    let ours: String
    switch error.kind {
    case .raised: ours = "TemplateError: " + error.message
    case .syntax:
        // jinja2's unknown-filter error is a TemplateAssertionError, a kind of TemplateSyntaxError.
        let assertion = "TemplateAssertionError: "
        ours = (python.hasPrefix(assertion) ? assertion : "TemplateSyntaxError: ") + error.message
    case .runtime, .limit: ours = error.message
    }
    #expect(ours == python, "\(label): \(error)")
}
