// The `is` tests (`x is defined`, `n is odd`, `m is mapping`, `x is equalto 2`), with jinja2's meanings:
// a bool is a number but not an integer, a string is iterable and a sequence.

extension Evaluator {
    func applyTest(_ name: String, _ value: Value, _ args: [Value]) throws -> Bool {
        if let typeTest = typeTest(name, value) { return typeTest }
        func arg() throws -> Value {
            guard let a = args.first else { throw typeError("test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "odd", "even":
            guard let i = try value.requireDefined().intValue else { throw typeError("test '\(name)' needs an int") }
            return (i % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard let i = value.intValue, let d = try arg().intValue, d != 0 else {
                throw typeError("divisibleby needs ints")
            }
            return i % d == 0
        case "equalto", "eq", "==": return pythonEquals(value, try arg())
        case "ne", "!=": return !pythonEquals(value, try arg())
        case "gt", ">", "greaterthan": return try pythonLess(try arg(), value)
        case "ge", ">=": return try !pythonLess(value, try arg())
        case "lt", "<", "lessthan": return try pythonLess(value, try arg())
        case "le", "<=": return try !pythonLess(try arg(), value)
        case "in": return try contains(try arg(), value)
        case "sameas": return try sameAs(value, try arg())
        case "lower", "upper":
            guard let s = value.stringValue else { return false }
            return name == "lower" ? s.lowercased() == s : s.uppercased() == s
        case "escaped": return false
        case "filter": return knownFilterNames.contains((try arg()).stringValue ?? "")
        case "test": return knownTestNames.contains((try arg()).stringValue ?? "")
        default: throw JinjaError(.runtime, "TemplateRuntimeError: No test named '\(name)' found.")
        }
    }

    /// Tests that only look at the value's type; nil when `name` is not one of them.
    private func typeTest(_ name: String, _ value: Value) -> Bool? {
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "string": return value.stringValue != nil
        case "mapping": if case .dict = value { return true } else { return false }
        case "number": return value.numberValue != nil
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "callable": if case .function = value { return true } else { return false }
        case "iterable":
            switch value.plain {
            case .string, .array, .tuple, .dict, .undefined, .lazy: return true
            default: return false
            }
        case "sequence":
            switch value.plain {
            case .string, .array, .tuple, .dict: return true
            default: return false
            }
        default: return nil
        }
    }

    /// Python's `is`: None, booleans and small ints are singletons; containers are the same only
    /// if they are one object, which values copied by value never are, so they compare unequal.
    private func sameAs(_ a: Value, _ b: Value) throws -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y && (-5...256).contains(x)
        case (.namespace(let x), .namespace(let y)): return x === y
        default: return false
        }
    }
}

let knownTestNames: Set<String> = [
    "defined", "undefined", "none", "boolean", "true", "false", "string", "mapping", "number", "integer", "float",
    "callable", "iterable", "sequence", "odd", "even", "divisibleby", "equalto", "eq", "==", "ne", "!=", "gt", ">",
    "greaterthan", "ge", ">=", "lt", "<", "lessthan", "le", "<=", "in", "sameas", "lower", "upper", "escaped",
    "filter", "test",
]
