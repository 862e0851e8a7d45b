import Foundation

/// One JSON object from a tokenizer file, with typed reads that throw a `TokenizerError` naming the
/// file and the field (`component.key`) instead of crashing on a wrong type.
struct JSONFields {
    let values: [String: Any]
    let file: String
    /// Where this object sits in the file, e.g. `pre_tokenizer.pretokenizers[0]`.
    let component: String

    init(_ value: Any?, file: String, component: String) throws {
        // [String: Any] is accepted too, for objects built in code (the tests).
        guard let values = (value as? JSONObject)?.dictionary ?? (value as? [String: Any]) else {
            throw TokenizerError(file: file, component: component.isEmpty ? "(top level)" : component,
                                 reason: "expected a JSON object")
        }
        self.values = values
        self.file = file
        self.component = component
    }

    func error(_ reason: String) -> TokenizerError {
        TokenizerError(file: file, component: component.isEmpty ? "(top level)" : component, reason: reason)
    }

    func fieldError(_ key: String, _ reason: String) -> TokenizerError {
        TokenizerError(file: file, component: path(key), reason: reason)
    }

    /// `component.key`, or just `key` at the top level (whose component is empty).
    func path(_ key: String) -> String { component.isEmpty ? key : "\(component).\(key)" }

    /// True when the key is missing or JSON `null`. For NSNull (objects built with Foundation), the
    /// dynamic type is compared: `is NSNull` on a large array would bridge it to NSArray first.
    func isNull(_ key: String) -> Bool {
        guard let value = values[key] else { return true }
        return value is JSONNull || Swift.type(of: value) == NSNull.self
    }

    /// The `type` field every tokenizers component carries.
    func type() throws -> String { try string("type") }

    func string(_ key: String) throws -> String {
        guard let value = values[key] as? String else { throw fieldError(key, "expected a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        if isNull(key) { return fallback }
        guard let value = values[key] as? Bool else { throw fieldError(key, "expected true or false") }
        return value
    }

    func optionalBool(_ key: String) throws -> Bool? {
        if isNull(key) { return nil }
        return try bool(key, default: false)
    }

    func int(_ key: String) throws -> Int {
        guard let value = values[key] as? Int else { throw fieldError(key, "expected an integer") }
        return value
    }

    func int(_ key: String, default fallback: Int) throws -> Int {
        isNull(key) ? fallback : try int(key)
    }

    func array(_ key: String) throws -> [Any] {
        guard let value = values[key] as? [Any] else { throw fieldError(key, "expected a list") }
        return value
    }

    func object(_ key: String) throws -> JSONFields {
        try JSONFields(values[key], file: file, component: path(key))
    }

    /// The objects of a list field, each named `component.key[i]`.
    func objects(_ key: String) throws -> [JSONFields] {
        try array(key).enumerated().map { index, item in
            try JSONFields(item, file: file, component: "\(path(key))[\(index)]")
        }
    }
}
