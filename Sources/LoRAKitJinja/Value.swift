/// A dynamic value as a chat template sees it: the Python objects jinja2 works on
/// (None, bool, int, float, str, list, tuple, dict) plus Jinja's own undefined, namespaces and callables.
///
/// Build values with literals — `["role": "user", "content": "Hi"]` is a ``Value/dict(_:)`` whose keys
/// keep their order, as Python dicts do (it matters for `tojson` and `items()`).
public enum Value: Sendable {
    /// A name or key that does not exist. Prints as empty and is false; using it further throws,
    /// as jinja2's default `Undefined` does. The payload says what was missing, for error messages.
    case undefined(String)
    /// Python's `None`; prints as `None`.
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A string marked safe (jinja2's `Markup`, what `| safe` and `| escape` return). It prints as is,
    /// but `markup + text` HTML-escapes the plain text, which one real template relies on.
    case markup(String)
    /// A Python list.
    case array([Value])
    /// A Python tuple (what `items()` yields); prints as `(1, 2)`, serializes to JSON as an array.
    case tuple([Value])
    /// A Python dict, in insertion order.
    case dict(OrderedDict)
    /// The object `namespace()` returns: attributes that `{% set ns.x = … %}` can change from any scope.
    case namespace(Namespace)
    /// A callable: a macro, a global such as `range`, or a bound method such as `'a'.upper`.
    case function(Callable)
    /// What Python gives lazily: a generator (from `map`, `select`, `unique`, …), a reversed list,
    /// or a dict view (`d.items()`). It iterates like a list, but a generator has no len(), is
    /// always true and cannot be JSON-serialized — templates that forget `| list` fail in jinja2 too.
    case lazy(LazySequence)

    /// The Python type name, as error messages name it (`'int' object is not iterable`).
    public var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .array: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        case .lazy(let l): return l.kind.rawValue
        }
    }

    /// Whether this is ``undefined(_:)``.
    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        switch self {
        case .string(let s), .markup(let s): return s
        default: return nil
        }
    }

    /// A Markup string as a plain one, for the operations where they behave alike.
    var plain: Value {
        if case .markup(let s) = self { return .string(s) }
        return self
    }

    /// Python truthiness: empty strings, lists, dicts, zero, None and undefined are false.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .array(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .function: return true
        case .lazy(let l): return l.kind.isView ? !l.items.isEmpty : true
        }
    }
}

/// The items of a lazy Python iterable, computed eagerly, with the kind that decides how it behaves.
public struct LazySequence: Sendable {
    public enum Kind: String, Sendable {
        case generator
        case reverseIterator = "list_reverseiterator"
        case dictItems = "dict_items"
        case dictKeys = "dict_keys"
        case dictValues = "dict_values"

        /// Dict views have a length and are false when empty; iterators have neither.
        var isView: Bool { self == .dictItems || self == .dictKeys || self == .dictValues }
    }

    public var kind: Kind
    public var items: [Value]

    public init(_ kind: Kind, _ items: [Value]) {
        self.kind = kind
        self.items = items
    }
}

/// A dictionary that keeps insertion order, keyed like Python: `1`, `1.0` and `True` are one key.
public struct OrderedDict: Sendable {
    public private(set) var keys: [Value] = []
    public private(set) var values: [Value] = []
    private var index: [HashKey: Int] = [:]

    public init() {}

    /// Builds a dictionary from string keys, in the order given.
    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[.string(k)] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Key/value pairs in insertion order.
    public var pairs: [(key: Value, value: Value)] {
        Array(zip(keys, values)).map { (key: $0.0, value: $0.1) }
    }

    /// The value for a key, or nil when the key is absent (or not hashable).
    public subscript(key: Value) -> Value? {
        get {
            guard let h = HashKey(key), let i = index[h] else { return nil }
            return values[i]
        }
        set {
            guard let h = HashKey(key) else { return }
            if let i = index[h] {
                if let newValue { values[i] = newValue } else { remove(at: i) }
            } else if let newValue {
                index[h] = keys.count
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// String-keyed access, the common case in templates.
    public subscript(key: String) -> Value? {
        get { self[.string(key)] }
        set { self[.string(key)] = newValue }
    }

    private mutating func remove(at i: Int) {
        keys.remove(at: i)
        values.remove(at: i)
        index = [:]
        for (n, k) in keys.enumerated() { if let h = HashKey(k) { index[h] = n } }
    }
}

/// How a dict key hashes: the numbers 1, 1.0 and True collide as in Python; lists are unhashable.
struct HashKey: Hashable {
    let text: String

    init?(_ value: Value) {
        switch value {
        case .string(let s), .markup(let s): text = "s" + s
        case .int(let i): text = "n\(i)"
        case .bool(let b): text = b ? "n1" : "n0"
        case .double(let d): text = d == d.rounded() && abs(d) < 9e18 ? "n\(Int(d))" : "d\(d)"
        case .none: text = "none"
        case .tuple(let items):
            var parts: [String] = []
            for item in items {
                guard let h = HashKey(item) else { return nil }
                parts.append(h.text)
            }
            text = "t(" + parts.joined(separator: ",") + ")"
        default: return nil
        }
    }
}

/// The mutable object behind `namespace()`: shared by reference, so an assignment inside a loop is
/// seen after it (which plain `set` in a loop is not).
public final class Namespace: @unchecked Sendable {
    // Only the one render that created it touches it, so it needs no lock.
    public var attributes: OrderedDict

    public init(_ attributes: OrderedDict = OrderedDict()) {
        self.attributes = attributes
    }
}

/// The arguments of a call: positional ones, then keyword ones in source order.
public struct Arguments: Sendable {
    public var positional: [Value]
    public var keywords: [(String, Value)]

    public init(_ positional: [Value] = [], keywords: [(String, Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    /// The value of parameter `name` at position `position`, by position or by keyword.
    public func value(_ name: String, at position: Int) -> Value? {
        if position < positional.count { return positional[position] }
        return keywords.first(where: { $0.0 == name })?.1
    }
}

/// A callable value: a macro, a global function, or a bound method.
public struct Callable: @unchecked Sendable {
    // Macros' closures hold the evaluator of the render that made them; they never outlive it in use.
    public let name: String
    let body: (Arguments) throws -> Value

    public init(name: String, body: @escaping (Arguments) throws -> Value) {
        self.name = name
        self.body = body
    }

    public func callAsFunction(_ arguments: Arguments) throws -> Value {
        try body(arguments)
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    // Deliberately not ExpressibleByNilLiteral: `nil` would then silently mean `.none` wherever a
    // `Value?` is expected. Write `.none` for Python's None.
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }

    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .dict(OrderedDict(elements))
    }
}
