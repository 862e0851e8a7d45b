/// Typed metadata accessors. Each throws a ``GGUFError`` naming the key when it is
/// missing or holds a value of another type.
extension GGUFFile {
    /// The value of `key`; throws when absent.
    public func value(_ key: String) throws(GGUFError) -> GGUFMetadataValue {
        guard let value = metadata[key] else {
            throw GGUFError(file: name, field: "metadata key '\(key)'", reason: "missing")
        }
        return value
    }

    private func mismatch(_ key: String, _ expected: String, _ value: GGUFMetadataValue) -> GGUFError {
        GGUFError(file: name, field: "metadata key '\(key)'", reason: "expected \(expected), found \(value.typeDescription)")
    }

    /// An unsigned integer: any integer type holding a non-negative value.
    public func uint(_ key: String) throws(GGUFError) -> UInt64 {
        let v = try value(key)
        if case .uint64(let u) = v { return u }
        guard let i = v.integerValue, i >= 0 else { throw mismatch(key, "a non-negative integer", v) }
        return UInt64(i)
    }

    /// A signed integer: any integer type whose value fits in Int64.
    public func int(_ key: String) throws(GGUFError) -> Int64 {
        let v = try value(key)
        guard let i = v.integerValue else { throw mismatch(key, "an integer fitting Int64", v) }
        return i
    }

    /// A float32 or float64 value, as Double.
    public func float(_ key: String) throws(GGUFError) -> Double {
        let v = try value(key)
        switch v {
        case .float32(let f): return Double(f)
        case .float64(let d): return d
        default: throw mismatch(key, "float32 or float64", v)
        }
    }

    /// A bool value.
    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let v = try value(key)
        guard case .bool(let b) = v else { throw mismatch(key, "bool", v) }
        return b
    }

    /// A string value.
    public func string(_ key: String) throws(GGUFError) -> String {
        let v = try value(key)
        guard case .string(let s) = v else { throw mismatch(key, "string", v) }
        return s
    }

    /// An array value of any element type.
    public func array(_ key: String) throws(GGUFError) -> GGUFMetadataArray {
        let v = try value(key)
        guard case .array(let a) = v else { throw mismatch(key, "array", v) }
        return a
    }

    /// An array of strings, e.g. `tokenizer.ggml.tokens` (returned as stored, no copy per element).
    public func strings(_ key: String) throws(GGUFError) -> [String] {
        let v = try value(key)
        guard case .array(.string(let s)) = v else { throw mismatch(key, "array of string", v) }
        return s
    }

    /// An array of float32 values, e.g. `tokenizer.ggml.scores`.
    public func floats(_ key: String) throws(GGUFError) -> [Float] {
        let v = try value(key)
        guard case .array(.float32(let f)) = v else { throw mismatch(key, "array of float32", v) }
        return f
    }

    /// An array of integers of any integer element type, e.g. `tokenizer.ggml.token_type`.
    public func ints(_ key: String) throws(GGUFError) -> [Int] {
        let v = try value(key)
        guard case .array(let a) = v, let values = a.integers else { throw mismatch(key, "array of integers", v) }
        return values.map { Int($0) }
    }
}
