/// The JSON header of a safetensors file: tensor entries plus an optional `__metadata__` map of
/// strings. Decoded strictly: integers must be integers (not booleans or fractions), and every
/// entry must have `dtype`, `shape` and `data_offsets`.
struct SafeTensorsHeader: Decodable {
    struct Entry: Decodable {
        var name = ""
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// A problem found while decoding that deserves its own error case.
    struct Problem: Error {
        let tensor: String
        let detail: String

        func error(file: String) -> SafeTensorsError {
            .invalidTensor(file: file, tensor: tensor, detail: detail)
        }
    }

    var metadata: [String: String] = [:]
    var entries: [Entry] = []

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
                continue
            }
            do {
                var entry = try container.decode(Entry.self, forKey: key)
                entry.name = key.stringValue
                entries.append(entry)
            } catch let error as DecodingError {
                throw Problem(tensor: key.stringValue, detail: "malformed entry (\(Self.describe(error)))")
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let field = context.codingPath.dropFirst().map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? context.debugDescription : "field '\(field)': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
