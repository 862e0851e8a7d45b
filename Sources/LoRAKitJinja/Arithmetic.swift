import Foundation

// Python's arithmetic on values: int stays int (and overflow is an error, where Python would grow),
// `/` always gives a float, `//` and `%` round toward negative infinity, strings and lists concatenate.

func binaryOperation(_ op: String, _ a: Value, _ b: Value, limits: RenderLimits) throws -> Value {
    _ = try a.requireDefined()
    _ = try b.requireDefined()
    switch op {
    case "+": return try add(a, b)
    case "-": return try numeric(op, a, b, ints: { $0.subtractingReportingOverflow($1) }, doubles: -)
    case "*": return try multiply(a, b, limits: limits)
    case "/":
        guard let x = a.numberValue, let y = b.numberValue else { throw unsupported(op, a, b) }
        guard y != 0 else { throw JinjaError(.runtime, "ZeroDivisionError: division by zero") }
        return .double(x / y)
    case "//": return try floorDivide(a, b)
    case "%": return try modulo(a, b)
    case "**": return try power(a, b)
    default: throw JinjaError(.runtime, "unknown operator '\(op)'")
    }
}

private func unsupported(_ op: String, _ a: Value, _ b: Value) -> JinjaError {
    if op == "+", case .string = a {
        return typeError("can only concatenate str (not \"\(b.typeName)\") to str")
    }
    if op == "+", case .array = a {
        return typeError("can only concatenate list (not \"\(b.typeName)\") to list")
    }
    return typeError("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
}

private func numeric(_ op: String, _ a: Value, _ b: Value, ints: (Int, Int) -> (Int, Bool),
                     doubles: (Double, Double) -> Double) throws -> Value {
    if let x = a.intValue, let y = b.intValue {
        let (r, overflow) = ints(x, y)
        guard !overflow else { throw JinjaError(.runtime, "integer overflow in \(x) \(op) \(y)") }
        return .int(r)
    }
    guard let x = a.numberValue, let y = b.numberValue else { throw unsupported(op, a, b) }
    return .double(doubles(x, y))
}

/// `+`; with Markup on either side the plain string is HTML-escaped (Markup.__add__ / __radd__).
private func add(_ a: Value, _ b: Value) throws -> Value {
    switch (a, b) {
    case (.string(let x), .string(let y)): return .string(x + y)
    case (.markup(let x), .markup(let y)): return .markup(x + y)
    case (.markup(let x), .string(let y)): return .markup(x + htmlEscape(y))
    case (.string(let x), .markup(let y)): return .markup(htmlEscape(x) + y)
    case (.array(let x), .array(let y)): return .array(x + y)
    case (.tuple(let x), .tuple(let y)): return .tuple(x + y)
    default: return try numeric("+", a, b, ints: { $0.addingReportingOverflow($1) }, doubles: +)
    }
}

/// Numbers multiply; `'ab' * 3` and `[x] * 3` repeat, within the output limit.
private func multiply(_ a: Value, _ b: Value, limits: RenderLimits) throws -> Value {
    func repeatCount(_ n: Int, unit: Int) throws -> Int {
        guard n > 0 else { return 0 }
        guard unit == 0 || n <= limits.maxOutputBytes / max(unit, 1) else {
            throw JinjaError(.limit, "repetition of \(n) copies exceeds maxOutputBytes (\(limits.maxOutputBytes))")
        }
        return n
    }
    switch (a.plain, b.plain) {
    case (.string(let s), .int(let n)), (.int(let n), .string(let s)):
        return .string(String(repeating: s, count: try repeatCount(n, unit: s.utf8.count)))
    case (.array(let items), .int(let n)), (.int(let n), .array(let items)):
        // Bounded by element count like a loop: a list of many small items costs more than its bytes.
        guard n <= 0 || items.isEmpty || n <= limits.maxLoopIterations / items.count else {
            throw JinjaError(.limit, "list of \(n) × \(items.count) items exceeds maxLoopIterations")
        }
        let count = max(n, 0)
        return .array(Array([[Value]](repeating: items, count: count).joined()))
    default:
        return try numeric("*", a, b, ints: { $0.multipliedReportingOverflow(by: $1) }, doubles: *)
    }
}

private func floorDivide(_ a: Value, _ b: Value) throws -> Value {
    if let x = a.intValue, let y = b.intValue {
        guard y != 0 else { throw JinjaError(.runtime, "ZeroDivisionError: integer division or modulo by zero") }
        guard !(x == .min && y == -1) else { throw JinjaError(.runtime, "integer overflow in \(x) // \(y)") }
        let q = x / y
        return .int((x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q)
    }
    guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("//", a, b) }
    guard y != 0 else { throw JinjaError(.runtime, "ZeroDivisionError: float floor division by zero") }
    return .double((x / y).rounded(.down))
}

private func modulo(_ a: Value, _ b: Value) throws -> Value {
    if let format = a.stringValue { return .string(try percentFormat(format, b)) }
    if let x = a.intValue, let y = b.intValue {
        guard y != 0 else { throw JinjaError(.runtime, "ZeroDivisionError: integer division or modulo by zero") }
        guard !(x == .min && y == -1) else { return .int(0) }
        let r = x % y
        return .int(r != 0 && ((r < 0) != (y < 0)) ? r + y : r)
    }
    guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("%", a, b) }
    guard y != 0 else { throw JinjaError(.runtime, "ZeroDivisionError: float modulo") }
    let r = x.truncatingRemainder(dividingBy: y)
    return .double(r != 0 && ((r < 0) != (y < 0)) ? r + y : r)
}

private func power(_ a: Value, _ b: Value) throws -> Value {
    if let x = a.intValue, let y = b.intValue, y >= 0 {
        var result = 1
        for _ in 0..<min(y, 64) {
            let (r, overflow) = result.multipliedReportingOverflow(by: x)
            guard !overflow else { throw JinjaError(.runtime, "integer overflow in \(x) ** \(y)") }
            result = r
        }
        if y > 64, abs(x) > 1 { throw JinjaError(.runtime, "integer overflow in \(x) ** \(y)") }
        return .int(y > 64 && x == -1 ? (y % 2 == 0 ? 1 : -1) : result)
    }
    guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("**", a, b) }
    return .double(pow(x, y))
}

/// `'%s and %d' % (a, b)`: printf-style conversions s r d i f x X o with flags `-` `0` `+`, a width
/// and a precision, and `%%`.
func percentFormat(_ format: String, _ args: Value) throws -> String {
    var queue: [Value]
    if case .tuple(let items) = args { queue = items } else { queue = [args] }
    var out = ""
    var scalars = Array(format.unicodeScalars)[...]
    while let c = scalars.popFirst() {
        guard c == "%" else {
            out.unicodeScalars.append(c)
            continue
        }
        var spec = ""
        while let f = scalars.first, "-+0 .0123456789".unicodeScalars.contains(f) {
            spec.unicodeScalars.append(f)
            scalars.removeFirst()
        }
        guard let conversion = scalars.popFirst() else { throw typeError("incomplete format") }
        if conversion == "%" {
            out += "%"
            continue
        }
        guard !queue.isEmpty else { throw typeError("not enough arguments for format string") }
        out += try formatOne(queue.removeFirst(), conversion, spec)
    }
    guard queue.isEmpty else { throw typeError("not all arguments converted during string formatting") }
    return out
}

/// One `%[flags][width][.precision]conversion`.
private func formatOne(_ arg: Value, _ conversion: Unicode.Scalar, _ spec: String) throws -> String {
    let leftAlign = spec.hasPrefix("-") || spec.dropFirst().hasPrefix("-")
    let plus = spec.contains("+")
    let parts = spec.drop { "-+ ".contains($0) }.split(separator: ".", omittingEmptySubsequences: false)
    let zeroPad = parts.first?.hasPrefix("0") ?? false
    let width = Int(parts.first ?? "") ?? 0
    let precision = parts.count > 1 ? Int(parts[1]) ?? 0 : nil
    var body: String
    switch conversion {
    case "s": body = precision.map { String(arg.pythonString.prefix($0)) } ?? arg.pythonString
    case "r": body = arg.pythonRepr
    case "d", "i", "x", "X", "o":
        guard let n = arg.numberValue else { throw typeError("%\(conversion) format: a real number is required") }
        guard let i = Int(exactly: n.rounded(.towardZero)) else {
            throw typeError("%\(conversion) format: number too large")
        }
        let radix = conversion == "d" || conversion == "i" ? 10 : conversion == "o" ? 8 : 16
        body = String(i.magnitude, radix: radix, uppercase: conversion == "X")
        if i < 0 { body = "-" + body } else if plus { body = "+" + body }
    case "f", "F":
        guard let x = arg.numberValue else { throw typeError("must be real number, not \(arg.typeName)") }
        body = formatFixed(x, digits: precision ?? 6)
        if plus, x >= 0 { body = "+" + body }
    default: throw JinjaError(.runtime, "unsupported format character '\(conversion)'")
    }
    let padCount = max(0, width - body.unicodeScalars.count)
    if leftAlign { return body + String(repeating: " ", count: padCount) }
    if zeroPad, conversion != "s", conversion != "r" {
        let sign = body.hasPrefix("-") || body.hasPrefix("+") ? String(body.removeFirst()) : ""
        return sign + String(repeating: "0", count: padCount) + body
    }
    return String(repeating: " ", count: padCount) + body
}

/// `x` with exactly `digits` decimals, as Python's '%.Nf' writes it: glibc's printf rounds the exact
/// binary value half to even, as CPython does.
func formatFixed(_ x: Double, digits: Int) -> String {
    String(format: "%.*f", min(max(digits, 0), 100), x)
}
