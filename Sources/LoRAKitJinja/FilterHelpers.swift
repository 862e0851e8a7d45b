import Foundation

// The longer filters, each as jinja2 3.1 defines it.

extension Evaluator {
    /// Sort key of sort/dictsort/unique/min/max: strings compare case-insensitively unless asked not to.
    func sortKey(_ v: Value, _ caseSensitive: Bool) -> Value {
        if !caseSensitive, let s = v.stringValue { return .string(s.lowercased()) }
        return v
    }

    func sortFilter(_ value: Value, _ args: Arguments) throws -> Value {
        let reverse = args.value("reverse", at: 0)?.isTruthy ?? false
        let caseSensitive = args.value("case_sensitive", at: 1)?.isTruthy ?? false
        let attribute = args.value("attribute", at: 2)
        let keyed = try iterate(value).map { item in
            (item, sortKey(try attribute.map { try path(item, $0) } ?? item, caseSensitive))
        }
        return .array(try stableSort(keyed, reverse: reverse).map(\.0))
    }

    func dictSort(_ value: Value, _ args: Arguments) throws -> Value {
        guard case .dict(let d) = value else { throw typeError("dictsort needs a mapping, got \(value.typeName)") }
        let caseSensitive = args.value("case_sensitive", at: 0)?.isTruthy ?? false
        let byValue = args.value("by", at: 1)?.stringValue == "value"
        let reverse = args.value("reverse", at: 2)?.isTruthy ?? false
        let keyed = d.pairs.map { pair in
            (Value.tuple([pair.key, pair.value]), sortKey(byValue ? pair.value : pair.key, caseSensitive))
        }
        return .array(try stableSort(keyed, reverse: reverse).map(\.0))
    }

    /// Python's sorted(): stable, and `reverse` keeps equal items in their original order.
    private func stableSort(_ keyed: [(Value, Value)], reverse: Bool) throws -> [(Value, Value)] {
        var failure: Error?
        let sorted = keyed.enumerated().sorted { a, b in
            do {
                if try pythonLess(a.element.1, b.element.1) { return !reverse }
                if try pythonLess(b.element.1, a.element.1) { return reverse }
            } catch {
                failure = error
            }
            return a.offset < b.offset
        }
        if let failure { throw failure }
        return sorted.map(\.element)
    }

    func unique(_ value: Value, _ args: Arguments) throws -> Value {
        let caseSensitive = args.value("case_sensitive", at: 0)?.isTruthy ?? false
        let attribute = args.value("attribute", at: 1)
        var seen: [Value] = []
        var out: [Value] = []
        for item in try iterate(value) {
            let key = sortKey(try attribute.map { try path(item, $0) } ?? item, caseSensitive)
            if !seen.contains(where: { pythonEquals($0, key) }) {
                seen.append(key)
                out.append(item)
            }
        }
        return .lazy(LazySequence(.generator, out))
    }

    func batch(_ value: Value, _ args: Arguments) throws -> Value {
        guard let size = args.value("linecount", at: 0)?.intValue, size > 0 else {
            throw typeError("batch needs a positive size")
        }
        let fill = args.value("fill_with", at: 1)
        var rows: [Value] = []
        var row: [Value] = []
        for item in try iterate(value) {
            row.append(item)
            if row.count == size {
                rows.append(.array(row))
                row = []
            }
        }
        if !row.isEmpty {
            if let fill { row += Array(repeating: fill, count: size - row.count) }
            rows.append(.array(row))
        }
        return .lazy(LazySequence(.generator, rows))
    }

    /// round(value, precision=0, method='common'): 'common' is Python's round (half to even), and
    /// returns an int for an int with precision 0, as Python's round(7, 0) does not — jinja2 passes
    /// the int through unchanged there, so `7 | round` is `7`.
    func roundFilter(_ value: Value, _ args: Arguments) throws -> Value {
        let precision = args.value("precision", at: 0)?.intValue ?? 0
        let method = args.value("method", at: 1)?.stringValue ?? "common"
        guard let x = value.numberValue else {
            throw typeError("type \(value.typeName) doesn't define __round__ method")
        }
        let scale = pow(10.0, Double(precision))
        switch method {
        case "common":
            if case .int = value { return value }
            return .double(Double(formatFixed(x, digits: max(precision, 0))) ?? x)
        case "ceil": return .double((x * scale).rounded(.up) / scale)
        case "floor": return .double((x * scale).rounded(.down) / scale)
        default: throw JinjaError(.runtime, "FilterArgumentError: method must be common, ceil or floor")
        }
    }

    func toInt(_ value: Value, default fallback: Value, base: Int) -> Value {
        switch value {
        case .int, .bool: return .int(value.intValue ?? 0)
        case .double(let d): return d.isFinite && abs(d) < 9e18 ? .int(Int(d)) : fallback
        case .string(let s):
            var text = s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "_", with: "")
            let negative = text.hasPrefix("-")
            if negative || text.hasPrefix("+") { text.removeFirst() }
            var radix = base
            // int('0x1A', 16) and int('0x1A', 0) accept the prefix, as Python does.
            for (prefix, r) in [("0x", 16), ("0o", 8), ("0b", 2)]
            where text.lowercased().hasPrefix(prefix) && (base == r || base == 0) {
                text.removeFirst(2)
                radix = r
            }
            if let i = Int(text, radix: radix == 0 ? 10 : radix) { return .int(negative ? -i : i) }
            if let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite, abs(d) < 9e18 { return .int(Int(d)) }
            return fallback
        default: return fallback
        }
    }

    func toFloat(_ value: Value, default fallback: Value) -> Value {
        switch value {
        case .int, .bool, .double: return .double(value.numberValue ?? 0)
        case .string(let s):
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if ["inf", "+inf", "infinity"].contains(t) { return .double(.infinity) }
            if ["-inf", "-infinity"].contains(t) { return .double(-.infinity) }
            return Double(t).map(Value.double) ?? fallback
        default: return fallback
        }
    }

    /// indent(width=4, first=False, blank=False): indents every line after the first (or all with
    /// `first`), skipping empty lines unless `blank`. `width` may be the indentation text itself.
    func indent(_ s: String, _ args: Arguments) throws -> String {
        let prefix: String
        switch args.value("width", at: 0) {
        case .string(let p)?: prefix = p
        case let v?: prefix = String(repeating: " ", count: max(v.intValue ?? 4, 0))
        case nil: prefix = "    "
        }
        let first = args.value("first", at: 1)?.isTruthy ?? false
        let blank = args.value("blank", at: 2)?.isTruthy ?? false
        // jinja2 appends a newline before splitlines(), so a trailing newline adds no empty line.
        var lines = (s + "\n").components(separatedBy: "\n")
        lines.removeLast()
        var rv: String
        if blank {
            rv = lines.joined(separator: "\n" + prefix)
        } else {
            rv = lines.removeFirst()
            if !lines.isEmpty { rv += "\n" + lines.map { $0.isEmpty ? $0 : prefix + $0 }.joined(separator: "\n") }
        }
        return first ? prefix + rv : rv
    }
}

/// jinja2's title filter: upper-cases the first letter of each word, words being split at
/// whitespace, '-', '(', '{', '[' and '<' (so unlike str.title, `of_x` stays `Of_x`).
func jinjaTitle(_ s: String) -> String {
    var out = ""
    var atWordStart = true
    for c in s.unicodeScalars {
        let isBreak = isPythonSpace(c) || "-({[<".unicodeScalars.contains(c)
        if isBreak {
            out.unicodeScalars.append(c)
        } else {
            out += atWordStart ? c.properties.uppercaseMapping : c.properties.lowercaseMapping
        }
        atWordStart = isBreak
    }
    return out
}

func htmlEscape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&#34;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// Words as `\w+` counts them: runs of letters, digits and underscores.
func wordCount(_ s: String) -> Int {
    var count = 0
    var inWord = false
    for c in s.unicodeScalars {
        let isWord = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
        if isWord && !inWord { count += 1 }
        inWord = isWord
    }
    return count
}

/// Python's str.center, which puts the odd space on the left only when the width is odd.
func center(_ s: String, _ width: Int) -> String {
    let n = s.unicodeScalars.count
    guard width > n else { return s }
    let margin = width - n
    let left = margin / 2 + (margin & width & 1)
    return String(repeating: " ", count: left) + s + String(repeating: " ", count: margin - left)
}
