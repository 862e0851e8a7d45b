// The filters (`x | name(args)`) real chat templates use, with jinja2's behaviour and transformers'
// own `tojson` (json.dumps with ensure_ascii=False, no HTML escaping). Argument names are jinja2's,
// so `default('x', boolean=true)` and `tojson(indent=4)` work by keyword as well as by position.

let knownFilterNames: Set<String> = [
    "trim", "tojson", "length", "count", "join", "default", "d", "first", "last", "upper", "lower", "title",
    "capitalize", "replace", "items", "dictsort", "list", "selectattr", "rejectattr", "map", "select", "reject",
    "string", "int", "float", "abs", "round", "safe", "escape", "e", "unique", "sum", "min", "max", "reverse", "sort",
    "indent", "wordcount", "center", "batch", "attr", "format",
]

extension Evaluator {
    func applyFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value {
        if let v = try textFilter(name, value, args) { return v }
        if let v = try sequenceFilter(name, value, args) { return v }
        if let v = try selectionFilter(name, value, args) { return v }
        if let v = try numberFilter(name, value, args) { return v }
        if jinjaFilterNames.contains(name) {
            throw JinjaError(.runtime, "the '\(name)' filter is not supported by LoRAKitJinja")
        }
        throw JinjaError(.runtime, "TemplateRuntimeError: No filter named '\(name)' found.")
    }

    /// Filters on strings; an undefined subject reads as '' (its str()).
    private func textFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value? {
        let text = { value.pythonString }
        switch name {
        case "trim": return .string(try pythonStrip(text(), "strip", args.value("chars", at: 0)))
        case "upper": return .string(text().uppercased())
        case "lower": return .string(text().lowercased())
        case "title": return .string(jinjaTitle(text()))
        case "capitalize": return .string(pythonCapitalize(text()))
        case "replace": return try pythonReplace(text(), args)  // same parameters as str.replace
        case "string":
            if case .markup = value { return value }
            return .string(text())
        case "safe": return .markup(text())
        case "escape", "e":
            if case .markup = value { return value }
            return .markup(htmlEscape(text()))
        case "indent": return .string(try indent(text(), args))
        case "wordcount": return .int(wordCount(text()))
        case "center": return .string(center(text(), args.value("width", at: 0)?.intValue ?? 80))
        case "format": return .string(try percentFormat(text(), .tuple(args.positional)))
        case "tojson": return .string(try value.toJSON(try jsonOptions(args)))
        default: return nil
        }
    }

    /// transformers' signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
    private func jsonOptions(_ args: Arguments) throws -> JSONOptions {
        var indent: String?
        switch args.value("indent", at: 1) {
        case .int(let n)?: indent = String(repeating: " ", count: max(n, 0))
        case .string(let s)?: indent = s
        default: indent = nil
        }
        var separators: (String, String)?
        if case .tuple(let parts)? = args.value("separators", at: 2)?.plainSequence,
           parts.count == 2, let a = parts[0].stringValue, let b = parts[1].stringValue {
            separators = (a, b)
        }
        return JSONOptions(indent: indent, separators: separators,
                           sortKeys: args.value("sort_keys", at: 3)?.isTruthy ?? false,
                           ensureASCII: args.value("ensure_ascii", at: 0)?.isTruthy ?? false)
    }

    /// Filters that take or make sequences.
    private func sequenceFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value? {
        switch name {
        case "length", "count": return .int(try length(value))
        case "list": return .array(try iterate(value))
        case "first": return try iterate(value).first ?? .undefined("No first item, sequence was empty.")
        case "last":
            // jinja2 takes next(reversed(value)), and a generator cannot be reversed.
            if case .lazy(let l) = value, !l.kind.isView {
                throw typeError("'\(l.kind.rawValue)' object is not reversible")
            }
            return try iterate(value).last ?? .undefined("No last item, sequence was empty.")
        case "reverse":
            if let s = value.stringValue {
                return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed())))
            }
            if case .array(let items) = value { return .lazy(LazySequence(.reverseIterator, items.reversed())) }
            return .array(try iterate(value).reversed())
        case "join":
            var items = try iterate(value)
            if let attr = args.value("attribute", at: 1) { items = try items.map { try path($0, attr) } }
            return .string(items.map(\.pythonString).joined(separator: args.value("d", at: 0)?.pythonString ?? ""))
        case "items":
            if value.isUndefined { return .lazy(LazySequence(.generator, [])) }
            guard case .dict(let d) = value else { throw typeError("Can only get item pairs from a mapping.") }
            return .lazy(LazySequence(.generator, d.pairs.map { .tuple([$0.key, $0.value]) }))
        case "dictsort": return try dictSort(value, args)
        case "sort": return try sortFilter(value, args)
        case "unique": return try unique(value, args)
        case "batch": return try batch(value, args)
        case "default", "d":
            let useDefault = value.isUndefined || ((args.value("boolean", at: 1)?.isTruthy ?? false) && !value.isTruthy)
            return useDefault ? args.value("default_value", at: 0) ?? .string("") : value
        case "attr":
            guard case .string(let n)? = args.value("name", at: 0) else { throw typeError("attr needs a name") }
            return try attribute(of: value, n)
        default: return nil
        }
    }

    /// select / reject / selectattr / rejectattr / map / sum / min / max.
    private func selectionFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value? {
        switch name {
        case "select", "reject", "selectattr", "rejectattr":
            let byAttribute = name.hasSuffix("attr")
            var rest = args.positional
            let attr: Value? = byAttribute && !rest.isEmpty ? rest.removeFirst() : nil
            let testName = rest.isEmpty ? nil : rest.removeFirst().stringValue
            let keep = name.hasPrefix("select")
            // jinja2 checks `if value:` before iterating, so `none | selectattr(…)` is empty.
            return .lazy(LazySequence(.generator, try (value.isTruthy ? iterate(value) : []).filter { item in
                let subject = try attr.map { try path(item, $0) } ?? item
                let passed = try testName.map { try applyTest($0, subject, rest) } ?? subject.isTruthy
                return passed == keep
            }))
        case "map": return try mapFilter(value, args)
        case "sum":
            var total: Value = args.value("start", at: 1) ?? .int(0)
            for item in try iterate(value) {
                let v = try args.value("attribute", at: 0).map { try path(item, $0) } ?? item
                total = try binaryOperation("+", total, v, limits: limits)
            }
            return total
        case "min", "max":
            let attribute = args.value("attribute", at: 1)
            let items = try iterate(value).map { item in try attribute.map { try path(item, $0) } ?? item }
            let caseSensitive = args.value("case_sensitive", at: 0)?.isTruthy ?? false
            // The first of equal items wins, as with Python's min() and max().
            var best: Value?
            for item in items {
                guard let b = best else {
                    best = item
                    continue
                }
                let (x, y) = (sortKey(item, caseSensitive), sortKey(b, caseSensitive))
                if name == "min" ? try pythonLess(x, y) : try pythonLess(y, x) { best = item }
            }
            return best ?? .undefined("No aggregated item, sequence was empty.")
        default: return nil
        }
    }

    private func mapFilter(_ value: Value, _ args: Arguments) throws -> Value {
        let items = value.isTruthy ? try iterate(value) : []  // `if value:` first, as in jinja2
        if let attr = args.keywords.first(where: { $0.0 == "attribute" })?.1 {
            let fallback = args.keywords.first(where: { $0.0 == "default" })?.1
            return .lazy(LazySequence(.generator, try items.map { item in
                let v = try path(item, attr)
                return v.isUndefined ? fallback ?? v : v
            }))
        }
        guard let filterName = args.positional.first?.stringValue else { return .lazy(LazySequence(.generator, items)) }
        let rest = Arguments(Array(args.positional.dropFirst()), keywords: args.keywords)
        return .lazy(LazySequence(.generator, try items.map { try applyFilter(filterName, $0, rest) }))
    }

    /// Attribute paths of selectattr/map/sort: `'role'`, `'function.name'`, or an int index.
    func path(_ item: Value, _ attribute: Value) throws -> Value {
        guard case .string(let p) = attribute else { return try self.item(of: item, attribute) }
        var v = item
        for part in p.split(separator: ".", omittingEmptySubsequences: false) {
            if v.isUndefined { return v }
            v = try self.item(of: v, Int(part).map(Value.int) ?? .string(String(part)))
        }
        return v
    }

    private func numberFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value? {
        switch name {
        case "int":
            let base = args.value("base", at: 1)?.intValue ?? 10
            return toInt(value, default: args.value("default", at: 0) ?? .int(0), base: base)
        case "float": return toFloat(value, default: args.value("default", at: 0) ?? .double(0))
        case "abs":
            if let i = value.intValue {
                guard i != .min else { throw JinjaError(.runtime, "integer overflow in abs(\(i))") }
                return .int(abs(i))
            }
            guard case .double(let d) = value else {
                throw typeError("bad operand type for abs(): '\(value.typeName)'")
            }
            return .double(abs(d))
        case "round": return try roundFilter(value, args)
        default: return nil
        }
    }
}
