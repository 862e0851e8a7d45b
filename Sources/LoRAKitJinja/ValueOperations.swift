// Python's operators on values: equality, ordering, arithmetic, `in`, iteration and len().
// Errors use Python's wording (`unsupported operand type(s) for +: 'int' and 'str'`).

func typeError(_ message: String) -> JinjaError { JinjaError(.runtime, "TypeError: " + message) }

func undefinedError(_ name: String) -> JinjaError { JinjaError(.runtime, "UndefinedError: " + name) }

extension Value {
    /// A number as Double, treating bool as 0/1 as Python does.
    var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// An int (or bool) as Int.
    var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Throws jinja2's UndefinedError when this is undefined, for operations that cannot use it.
    func requireDefined() throws -> Value {
        if case .undefined(let what) = self { throw undefinedError(what) }
        return self
    }
}

/// Python's `==`: 1 == 1.0 == True, lists and tuples are never equal to each other, dicts ignore order.
func pythonEquals(_ a: Value, _ b: Value) -> Bool {
    switch (a.plain, b.plain) {
    case (.undefined, .undefined), (.none, .none): return true
    case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { pythonEquals($0, $1) }
    case (.dict(let x), .dict(let y)):
        return x.count == y.count && x.pairs.allSatisfy { pair in
            y[pair.key].map { pythonEquals(pair.value, $0) } ?? false
        }
    case (.namespace(let x), .namespace(let y)): return x === y
    default:
        if let x = a.intValue, let y = b.intValue { return x == y }
        if let x = a.numberValue, let y = b.numberValue { return x == y }
        return false
    }
}

/// Python's `<`; ordering different types throws as Python 3 does.
func pythonLess(_ a: Value, _ b: Value) throws -> Bool {
    switch (a.plain, b.plain) {
    case (.string(let x), .string(let y)):
        return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
    case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
        for (p, q) in zip(x, y) where !pythonEquals(p, q) { return try pythonLess(p, q) }
        return x.count < y.count
    default:
        if let x = a.intValue, let y = b.intValue { return x < y }
        if let x = a.numberValue, let y = b.numberValue { return x < y }
        _ = try a.requireDefined()
        _ = try b.requireDefined()
        throw typeError("'<' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
    }
}

/// One comparison operator of a chain (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `notin`).
func compare(_ op: String, _ a: Value, _ b: Value) throws -> Bool {
    switch op {
    case "==": return pythonEquals(a, b)
    case "!=": return !pythonEquals(a, b)
    case "<": return try pythonLess(a, b)
    case ">": return try pythonLess(b, a)
    case "<=": return try pythonLess(a, b) || pythonEquals(a, b)
    case ">=": return try pythonLess(b, a) || pythonEquals(a, b)
    case "in": return try contains(b, a)
    case "notin": return try !contains(b, a)
    default: throw JinjaError(.runtime, "unknown comparison '\(op)'")
    }
}

/// Python's `item in container`.
func contains(_ container: Value, _ item: Value) throws -> Bool {
    switch container.plain {
    case .string(let s):
        guard case .string(let sub) = item.plain else {
            throw typeError("'in <string>' requires string as left operand, not \(item.typeName)")
        }
        return sub.isEmpty || s.contains(sub)
    case .array(let items), .tuple(let items): return items.contains { pythonEquals($0, item) }
    case .lazy(let l): return l.items.contains { pythonEquals($0, item) }
    case .dict(let d): return d[item] != nil
    case .namespace(let ns): return ns.attributes[item] != nil
    case .undefined: return false
    default: throw typeError("argument of type '\(container.typeName)' is not iterable")
    }
}

/// The items a `for` loop visits: list items, dict keys, a string's characters (code points).
func iterate(_ value: Value) throws -> [Value] {
    switch value.plain {
    case .array(let items), .tuple(let items): return items
    case .lazy(let l): return l.items
    case .dict(let d): return d.keys
    case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
    case .undefined: return []  // jinja2's Undefined iterates as empty
    default: throw typeError("'\(value.typeName)' object is not iterable")
    }
}

/// Python's len(); strings count code points, as Python does.
func length(_ value: Value) throws -> Int {
    switch value.plain {
    case .string(let s): return s.unicodeScalars.count
    case .array(let items), .tuple(let items): return items.count
    case .lazy(let l) where l.kind.isView: return l.items.count
    case .dict(let d): return d.count
    case .undefined: return 0
    default: throw typeError("object of type '\(value.typeName)' has no len()")
    }
}
