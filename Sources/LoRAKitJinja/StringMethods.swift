// Python str methods that templates call (`message.content.strip()`, `x.split('</think>')`).
// Strings are handled as code points, as Python does.

extension Evaluator {
    func stringMethod(_ s: String, _ name: String) -> Callable? {
        let body: ((Arguments) throws -> Value)?
        switch name {
        case "startswith", "endswith": body = { try affixTest(s, name == "startswith", $0) }
        case "strip", "lstrip", "rstrip": body = { .string(try pythonStrip(s, name, $0.value("chars", at: 0))) }
        case "split", "rsplit": body = { try pythonSplit(s, fromRight: name == "rsplit", $0) }
        case "splitlines": body = { _ in .array(splitLines(s).map(Value.string)) }
        case "replace": body = { try pythonReplace(s, $0) }
        case "upper": body = { _ in .string(s.uppercased()) }
        case "lower": body = { _ in .string(s.lowercased()) }
        case "title": body = { _ in .string(pythonTitle(s)) }
        case "capitalize": body = { _ in .string(pythonCapitalize(s)) }
        case "swapcase": body = { _ in .string(swapcase(s)) }
        case "find", "rfind", "index", "rindex", "count": body = { try searchMethod(s, name, $0) }
        case "join": body = { args in try pythonJoin(s, try iterate(args.value("iterable", at: 0) ?? .array([]))) }
        case "format": body = { try pythonFormat(s, $0) }
        case "isdigit", "isalpha", "isspace", "islower", "isupper", "isalnum": body = { _ in .bool(predicate(s, name)) }
        default: body = nil
        }
        return body.map { Callable(name: "str.\(name)", body: $0) }
    }
}

private func stringArgument(_ v: Value?, _ what: String) throws -> String {
    guard let s = v?.stringValue else { throw typeError("\(what) must be str, not \(v?.typeName ?? "nothing")") }
    return s
}

private func affixTest(_ s: String, _ prefix: Bool, _ args: Arguments) throws -> Value {
    let candidates: [Value]
    switch args.value("prefix", at: 0) {
    case .tuple(let items)?: candidates = items
    case let v?: candidates = [v]
    case nil: throw typeError("startswith takes at least 1 argument (0 given)")
    }
    let text = Array(s.unicodeScalars)
    for c in candidates {
        let affix = Array(try stringArgument(c, "affix").unicodeScalars)
        if prefix ? text.starts(with: affix) : text.reversed().starts(with: affix.reversed()) { return .bool(true) }
    }
    return .bool(false)
}

/// str.strip / lstrip / rstrip; without chars (or None), Python whitespace.
func pythonStrip(_ s: String, _ which: String, _ chars: Value?) throws -> String {
    let set: Set<Unicode.Scalar>?
    switch chars {
    case nil, .none?, .undefined?: set = nil
    case .string(let c)?, .markup(let c)?: set = Set(c.unicodeScalars)
    case let v?: throw typeError("strip arg must be None or str, not \(v.typeName)")
    }
    let strip = { (c: Unicode.Scalar) in set?.contains(c) ?? isPythonSpace(c) }
    var scalars = Array(s.unicodeScalars)[...]
    if which != "rstrip" { while let f = scalars.first, strip(f) { scalars.removeFirst() } }
    if which != "lstrip" { while let l = scalars.last, strip(l) { scalars.removeLast() } }
    return String(String.UnicodeScalarView(scalars))
}

private func pythonSplit(_ s: String, fromRight: Bool, _ args: Arguments) throws -> Value {
    let maxSplit = args.value("maxsplit", at: 1)?.intValue ?? -1
    let sepValue = args.value("sep", at: 0)
    let text = Array(s.unicodeScalars)
    var parts: [[Unicode.Scalar]]
    if sepValue == nil || sepValue?.isNone == true {
        parts = splitWhitespace(fromRight ? text.reversed() : text, maxSplit)
        if fromRight { parts = parts.reversed().map { $0.reversed() } }
    } else {
        let sep = Array(try stringArgument(sepValue, "separator").unicodeScalars)
        guard !sep.isEmpty else { throw JinjaError(.runtime, "ValueError: empty separator") }
        if fromRight {
            parts = splitExact(text.reversed(), sep.reversed(), maxSplit).reversed().map { $0.reversed() }
        } else {
            parts = splitExact(text, sep, maxSplit)
        }
    }
    return .array(parts.map { .string(String(String.UnicodeScalarView($0))) })
}

private func splitExact(_ text: [Unicode.Scalar], _ sep: [Unicode.Scalar], _ maxSplit: Int) -> [[Unicode.Scalar]] {
    var parts: [[Unicode.Scalar]] = []
    var current: [Unicode.Scalar] = []
    var i = 0
    while i < text.count {
        if maxSplit < 0 || parts.count < maxSplit, text[i...].starts(with: sep) {
            parts.append(current)
            current = []
            i += sep.count
        } else {
            current.append(text[i])
            i += 1
        }
    }
    parts.append(current)
    return parts
}

/// split() without a separator: runs of whitespace separate, and there are no empty parts.
private func splitWhitespace(_ text: [Unicode.Scalar], _ maxSplit: Int) -> [[Unicode.Scalar]] {
    var parts: [[Unicode.Scalar]] = []
    var i = 0
    while i < text.count {
        while i < text.count, isPythonSpace(text[i]) { i += 1 }
        guard i < text.count else { break }
        if maxSplit >= 0, parts.count == maxSplit {
            var rest = Array(text[i...])
            while let l = rest.last, isPythonSpace(l) { rest.removeLast() }
            parts.append(rest)
            break
        }
        var word: [Unicode.Scalar] = []
        while i < text.count, !isPythonSpace(text[i]) {
            word.append(text[i])
            i += 1
        }
        parts.append(word)
    }
    return parts
}

/// str.replace(old, new[, count]); an empty `old` inserts `new` around every code point.
func pythonReplace(_ s: String, _ args: Arguments) throws -> Value {
    let old = Array(try stringArgument(args.value("old", at: 0), "replace() argument 1").unicodeScalars)
    let new = Array(try stringArgument(args.value("new", at: 1), "replace() argument 2").unicodeScalars)
    let limit = args.value("count", at: 2)?.intValue ?? -1
    let text = Array(s.unicodeScalars)
    var out: [Unicode.Scalar] = []
    var done = 0
    var i = 0
    while i <= text.count {
        let canReplace = limit < 0 || done < limit
        if canReplace, old.isEmpty {
            out += new
            done += 1
            if i < text.count { out.append(text[i]) }
            i += 1
        } else if canReplace, !old.isEmpty, text[i...].starts(with: old) {
            out += new
            done += 1
            i += old.count
        } else {
            if i < text.count { out.append(text[i]) }
            i += 1
        }
    }
    return .string(String(String.UnicodeScalarView(out)))
}

/// str.title(): a cased letter after a cased letter is lowered, any other is title-cased.
func pythonTitle(_ s: String) -> String {
    var out = ""
    var previousCased = false
    for c in s.unicodeScalars {
        out += previousCased ? c.properties.lowercaseMapping : c.properties.titlecaseMapping
        previousCased = c.properties.isCased
    }
    return out
}

/// str.capitalize(): first code point title-cased, the rest lowered.
func pythonCapitalize(_ s: String) -> String {
    var out = ""
    for (i, c) in s.unicodeScalars.enumerated() {
        out += i == 0 ? c.properties.titlecaseMapping : c.properties.lowercaseMapping
    }
    return out
}

private func searchMethod(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
    let text = Array(s.unicodeScalars)
    let sub = Array(try stringArgument(args.value("sub", at: 0), "\(name)() argument").unicodeScalars)
    var matches: [Int] = []
    var i = 0
    while i + sub.count <= text.count {
        if text[i...].starts(with: sub) {
            matches.append(i)
            i += max(sub.count, 1)
        } else {
            i += 1
        }
    }
    if name == "count" { return .int(matches.count) }
    // rfind must see overlapping matches too; search from the end for it.
    let found = name.hasPrefix("r")
        ? (0...max(text.count - sub.count, -1)).reversed().first { text[$0...].starts(with: sub) }
        : matches.first
    if let found { return .int(found) }
    if name.hasSuffix("index") { throw JinjaError(.runtime, "ValueError: substring not found") }
    return .int(-1)
}

func pythonJoin(_ separator: String, _ items: [Value]) throws -> Value {
    var parts: [String] = []
    for (i, item) in items.enumerated() {
        guard let s = item.stringValue else {
            throw typeError("sequence item \(i): expected str instance, \(item.typeName) found")
        }
        parts.append(s)
    }
    return .string(parts.joined(separator: separator))
}

/// str.splitlines(): empty lines stay, but a final newline does not start one more.
private func splitLines(_ s: String) -> [String] {
    var lines = normalizedNewlines(s).components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines
}

private func normalizedNewlines(_ s: String) -> String {
    s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
}

private func swapcase(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        out += c.properties.isUppercase ? c.properties.lowercaseMapping
            : c.properties.isLowercase ? c.properties.uppercaseMapping : String(c)
    }
    return out
}

private func predicate(_ s: String, _ name: String) -> Bool {
    let scalars = Array(s.unicodeScalars)
    guard !scalars.isEmpty else { return false }
    let cased = scalars.filter { $0.properties.isCased }
    switch name {
    case "isdigit": return scalars.allSatisfy { $0.properties.numericType != nil }
    case "isalpha": return scalars.allSatisfy { $0.properties.isAlphabetic }
    case "isspace": return scalars.allSatisfy(isPythonSpace)
    case "isalnum": return scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    case "islower": return !cased.isEmpty && cased.allSatisfy { $0.properties.isLowercase }
    default: return !cased.isEmpty && cased.allSatisfy { $0.properties.isUppercase }
    }
}

/// str.format with `{}`, `{0}` and `{name}` fields (no format specs) and `{{`/`}}` escapes.
private func pythonFormat(_ s: String, _ args: Arguments) throws -> Value {
    var out = ""
    var auto = 0
    var chars = Array(s)[...]
    while let c = chars.popFirst() {
        if (c == "{" || c == "}"), chars.first == c {
            chars.removeFirst()
            out.append(c)
            continue
        }
        guard c == "{" else {
            out.append(c)
            continue
        }
        var field = ""
        while let f = chars.popFirst(), f != "}" { field.append(f) }
        if field.contains(":") || field.contains("!") {
            throw JinjaError(.runtime, "format specs in str.format are not supported by LoRAKitJinja")
        }
        let value: Value?
        if field.isEmpty {
            value = auto < args.positional.count ? args.positional[auto] : nil
            auto += 1
        } else if let i = Int(field) {
            value = i < args.positional.count ? args.positional[i] : nil
        } else {
            value = args.keywords.first { $0.0 == field }?.1
        }
        guard let value else { throw JinjaError(.runtime, "IndexError: Replacement index out of range for str.format") }
        out += value.pythonString
    }
    return .string(out)
}
