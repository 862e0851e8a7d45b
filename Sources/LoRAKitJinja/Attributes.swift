// `x.name`, `x[key]` and `x[a:b:c]`, as jinja2's sandbox resolves them.
// `x.name` tries the Python attribute first (so `d.items` is the method), then the dict key;
// `x[key]` tries the key first. What is missing is undefined, except that anything done to an
// undefined value itself throws (jinja2's default Undefined).

/// Dict methods a template may call; these names are attributes before keys in `d.name`.
let dictMethodNames: Set<String> = ["items", "keys", "values", "get"]
/// Methods the immutable sandbox refuses, because they would change the caller's data.
private let unsafeMethodNames: Set<String> = ["append", "extend", "insert", "pop", "remove", "clear", "sort",
                                              "reverse", "update", "setdefault", "popitem", "add", "discard"]

extension Evaluator {
    func attribute(of value: Value, _ name: String) throws -> Value {
        switch value.plain {
        case .undefined(let what): throw undefinedError(what)
        case .dict(let d):
            if dictMethodNames.contains(name), let m = dictMethod(d, name) { return .function(m) }
            if unsafeMethodNames.contains(name) { throw unsafe(name, value) }
            return d[name] ?? .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let ns):
            return ns.attributes[name] ?? .undefined("'Namespace object' has no attribute '\(name)'")
        case .string(let s):
            if let m = stringMethod(s, name) { return .function(m) }
        case .array, .tuple:
            if unsafeMethodNames.contains(name) { throw unsafe(name, value) }
        default:
            break
        }
        return .undefined("'\(value.typeName) object' has no attribute '\(name)'")
    }

    private func unsafe(_ name: String, _ value: Value) -> JinjaError {
        JinjaError(.runtime, "SecurityError: access to attribute '\(name)' of '\(value.typeName)' object is unsafe.")
    }

    func item(of value: Value, _ key: Value) throws -> Value {
        // jinja2's wording: a string key is an attribute, anything else an element.
        let missing = Value.undefined(key.stringValue != nil
            ? "'\(value.typeName) object' has no attribute \(key.pythonRepr)"
            : "\(value.typeName) object has no element \(key.pythonRepr)")
        switch value.plain {
        case .undefined(let what): throw undefinedError(what)
        case .dict(let d):
            if let v = d[key] { return v }
            if case .string(let name) = key { return try attribute(of: value, name) }
            return missing
        case .array(let items), .tuple(let items):
            guard let i = key.intValue else { return missing }
            let index = i < 0 ? items.count + i : i
            return items.indices.contains(index) ? items[index] : missing
        case .string(let s):
            guard let i = key.intValue else {
                if case .string(let name) = key { return try attribute(of: value, name) }
                return missing
            }
            let scalars = Array(s.unicodeScalars)
            let index = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(index) ? .string(String(scalars[index])) : missing
        case .namespace:
            if case .string(let name) = key { return try attribute(of: value, name) }
            return missing
        default:
            return missing
        }
    }

    /// Python slicing of lists, tuples and strings: negative and omitted bounds, any step but zero.
    func slice(_ value: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws -> Value {
        func bound(_ v: Value?) throws -> Int? {
            guard let v, !(v.isUndefined), !(v.isNone) else { return nil }
            guard let i = v.intValue else { throw typeError("slice indices must be integers or None") }
            return i
        }
        let stride = try bound(step) ?? 1
        guard stride != 0 else { throw JinjaError(.runtime, "ValueError: slice step cannot be zero") }
        let (b, e) = (try bound(start), try bound(stop))
        switch value.plain {
        case .array(let items): return .array(sliceIndices(items.count, b, e, stride).map { items[$0] })
        case .tuple(let items): return .tuple(sliceIndices(items.count, b, e, stride).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in sliceIndices(scalars.count, b, e, stride) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined(let what): throw undefinedError(what)
        default: throw typeError("'\(value.typeName)' object is not subscriptable")
        }
    }
}

/// The indices `range(count)[start:stop:step]` selects, by Python's rules.
func sliceIndices(_ count: Int, _ start: Int?, _ stop: Int?, _ step: Int) -> [Int] {
    func clamp(_ i: Int, low: Int, high: Int) -> Int {
        let j = i < 0 ? i + count : i
        return min(max(j, low), high)
    }
    if step > 0 {
        let b = start.map { clamp($0, low: 0, high: count) } ?? 0
        let e = stop.map { clamp($0, low: 0, high: count) } ?? count
        return b < e ? Array(Swift.stride(from: b, to: e, by: step)) : []
    }
    let b = start.map { clamp($0, low: -1, high: count - 1) } ?? count - 1
    let e = stop.map { clamp($0, low: -1, high: count - 1) } ?? -1
    return b > e ? Array(Swift.stride(from: b, to: e, by: step)) : []
}

extension Value {
    /// A list as a tuple, so that `separators=[',', ':']` works like `(',', ':')`.
    var plainSequence: Value {
        if case .array(let items) = self { return .tuple(items) }
        return self
    }

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
