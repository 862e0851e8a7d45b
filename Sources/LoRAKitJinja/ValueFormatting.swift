// How values print: `{{ x }}` is Python's str(x), and containers print their items with repr(),
// so `{{ ['a'] }}` is `['a']` and `{{ none }}` is `None`.

extension Value {
    /// Python's `str(value)`: what `{{ value }}` writes. Undefined writes nothing.
    public var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s), .markup(let s): return s
        default: return pythonRepr
        }
    }

    /// Python's `repr(value)`: strings quoted, containers with their items' reprs.
    public var pythonRepr: String { repr(depth: 0) }

    /// A namespace can hold itself (`set ns.me = ns`), so nesting past 200 levels prints `...`.
    private func repr(depth: Int) -> String {
        guard depth < 200 else { return "..." }
        let r = { (v: Value) in v.repr(depth: depth + 1) }
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return formatPythonFloat(d)
        case .string(let s): return pythonStringRepr(s)
        case .markup(let s): return "Markup(" + pythonStringRepr(s) + ")"
        case .array(let items): return "[" + items.map(r).joined(separator: ", ") + "]"
        case .tuple(let items):
            if items.count == 1 { return "(" + r(items[0]) + ",)" }
            return "(" + items.map(r).joined(separator: ", ") + ")"
        case .dict(let d):
            let body = d.pairs.map { r($0.key) + ": " + r($0.value) }
            return "{" + body.joined(separator: ", ") + "}"
        case .namespace(let ns):
            return "<Namespace " + r(.dict(ns.attributes)) + ">"
        case .function(let f): return "<function \(f.name)>"
        case .lazy(let l):
            // CPython prints an address here, which no template can depend on.
            guard l.kind.isView else { return "<\(l.kind.rawValue) object>" }
            return l.kind.rawValue + "(" + r(.array(l.items)) + ")"
        }
    }
}

/// Python's repr of a str: single quotes unless the text has a single quote and no double quote.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(scalar) == quote {
                out += "\\" + String(quote)
            } else if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + hex(scalar.value, width: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out.append(quote)
    return out
}

func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Python's repr of a float: the shortest digits that round-trip (Swift finds the same ones),
/// laid out the Python way — fixed notation from 1e-4 up to 1e16, else `1e+16`, `2.5e-07`.
func formatPythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    let (negative, digits, exponent) = shortestDigits(d)
    let sign = negative ? "-" : ""
    // `exponent` is where the decimal point goes: value = 0.DIGITS × 10^exponent.
    if exponent > -4 && exponent <= 16 {
        if exponent <= 0 {
            return sign + "0." + String(repeating: "0", count: -exponent) + digits
        }
        if digits.count <= exponent {
            return sign + digits + String(repeating: "0", count: exponent - digits.count) + ".0"
        }
        let cut = digits.index(digits.startIndex, offsetBy: exponent)
        return sign + digits[..<cut] + "." + digits[cut...]
    }
    let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
    let e = exponent - 1
    let eText = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    return sign + mantissa + "e" + eText
}

/// Sign, significant digits without leading/trailing zeros, and decimal exponent of a finite double.
private func shortestDigits(_ d: Double) -> (Bool, String, Int) {
    var text = "\(abs(d))"  // Swift's description is the shortest round-trip form
    let negative = d.sign == .minus
    var exp10 = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exp10 = Int(text[text.index(after: e)...]) ?? 0
        text = String(text[..<e])
    }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let intPart = String(parts[0])
    let fracPart = parts.count > 1 ? String(parts[1]) : ""
    var digits = intPart + fracPart
    var point = intPart.count + exp10
    while digits.hasPrefix("0") && digits.count > 1 {
        digits.removeFirst()
        point -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    if digits == "0" { return (negative, "0", 1) }
    return (negative, digits, point)
}
