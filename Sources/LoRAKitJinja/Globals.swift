import Foundation

// The global functions transformers' environment provides: range, namespace, dict,
// raise_exception and strftime_now (plus jinja2's own range and dict semantics).

extension Evaluator {
    func makeGlobals() -> [String: Value] {
        var g: [String: Value] = [:]
        g["range"] = .function(Callable(name: "range") { [unowned self] in try self.range($0) })
        g["namespace"] = .function(Callable(name: "namespace") { args in try makeNamespace(args) })
        g["dict"] = .function(Callable(name: "dict") { args in
            var d = OrderedDict()
            if case .dict(let initial)? = args.positional.first { d = initial }
            for (k, v) in args.keywords { d[k] = v }
            return .dict(d)
        })
        g["raise_exception"] = .function(Callable(name: "raise_exception") { args in
            throw JinjaError(.raised, args.value("message", at: 0)?.pythonString ?? "")
        })
        g["strftime_now"] = .function(Callable(name: "strftime_now") { [unowned self] args in
            guard case .string(let format)? = args.value("format", at: 0) else {
                throw typeError("strftime_now() needs a format string")
            }
            return .string(strftime(format, self.now, self.timeZone))
        })
        return g
    }

    /// range(stop), range(start, stop[, step]) as a list — refused outright when it is longer than
    /// the loop limit, so `range(10**9)` fails at once instead of allocating.
    func range(_ args: Arguments) throws -> Value {
        let ints = try args.positional.map { v -> Int in
            guard let i = v.intValue else {
                throw typeError("'\(v.typeName)' object cannot be interpreted as an integer")
            }
            return i
        }
        let (start, stop, step): (Int, Int, Int)
        switch ints.count {
        case 1: (start, stop, step) = (0, ints[0], 1)
        case 2: (start, stop, step) = (ints[0], ints[1], 1)
        case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
        default: throw typeError("range expected 1 to 3 arguments, got \(ints.count)")
        }
        guard step != 0 else { throw JinjaError(.runtime, "ValueError: range() arg 3 must not be zero") }
        let count = rangeCount(start, stop, step)
        guard count <= limits.maxLoopIterations else {
            throw JinjaError(.limit, "range of \(count) items exceeds maxLoopIterations (\(limits.maxLoopIterations))")
        }
        // Wrapping arithmetic is exact here: every item lies between start and stop.
        return .array((0..<count).map { .int(start &+ $0 &* step) })
    }
}

/// How many items range(start, stop, step) has, saturating instead of overflowing.
private func rangeCount(_ start: Int, _ stop: Int, _ step: Int) -> Int {
    let (low, high) = step > 0 ? (start, stop) : (stop, start)
    guard high > low else { return 0 }
    let span = UInt(bitPattern: high &- low)  // exact: the difference of two Ints fits in a UInt
    let count = (span - 1) / step.magnitude + 1
    return count > UInt(Int.max) ? .max : Int(count)
}

/// namespace(a=1) or namespace({'a': 1}); transformers refuses names starting with '_'.
private func makeNamespace(_ args: Arguments) throws -> Value {
    var attributes = OrderedDict()
    if case .dict(let initial)? = args.positional.first { attributes = initial }
    for (k, v) in args.keywords { attributes[k] = v }
    for key in attributes.keys { try checkNamespaceName(key.stringValue ?? "") }
    return .namespace(Namespace(attributes))
}

func checkNamespaceName(_ name: String) throws {
    guard !name.hasPrefix("_") else {
        throw JinjaError(.runtime, "SecurityError: Chat templates cannot store underscore-prefixed attributes on a"
                         + " namespace, but got '\(name)'. Please rename the attribute.")
    }
}
