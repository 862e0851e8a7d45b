import Foundation

/// Training data as token ids. Two formats:
///
/// - **Token files** (pre-tokenized, for models with a real tokenizer): the 8 bytes `LKTOKENS`,
///   a little-endian UInt32 with the bytes per token (2 or 4), a UInt32 0 (reserved), a UInt64
///   token count, then the tokens as little-endian UInt16 or UInt32.
/// - **Plain text** for byte-level models (vocabulary 256, no tokenizer file): each byte is one
///   token, no special tokens.
public enum TokenFile {
    static let magic = Array("LKTOKENS".utf8)

    /// Token ids of `url`: a token file if it starts with the magic bytes, else its bytes when the
    /// model is byte-level. Every id is checked against `vocabularySize`.
    public static func load(_ url: URL, vocabularySize: Int, byteLevel: Bool) throws -> [Int32] {
        try load(url, vocabularySize: vocabularySize, text: byteLevel ? { data, _ in data.map { Int32($0) } } : nil)
    }

    /// Token ids of `url`: a token file if it starts with the magic bytes, else UTF-8 text
    /// encoded whole by `encode` (a model's tokenizer).
    public static func load(_ url: URL, vocabularySize: Int, encode: @escaping (String) throws -> [Int32]) throws -> [Int32] {
        try load(url, vocabularySize: vocabularySize, text: { data, path in
            guard let text = String(data: data, encoding: .utf8) else {
                throw TrainingError.checkpoint(file: path, detail: "neither a LoRAKit token file nor UTF-8 text")
            }
            return try encode(text)
        })
    }

    private static func load(_ url: URL, vocabularySize: Int, text: ((Data, String) throws -> [Int32])?) throws -> [Int32] {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw TrainingError.checkpoint(file: url.path, detail: "cannot read the data file: \(error.localizedDescription)")
        }
        let tokens: [Int32]
        if data.count >= 8, Array(data.prefix(8)) == magic {
            tokens = try parse(data, path: url.path)
        } else if let text {
            tokens = try text(data, url.path)
        } else {
            throw TrainingError.checkpoint(file: url.path,
                                           detail: "not a LoRAKit token file (no LKTOKENS header), and the model has neither a tokenizer nor a byte-level vocabulary")
        }
        if let bad = tokens.firstIndex(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw TrainingError.checkpoint(file: url.path, detail: "token \(tokens[bad]) at position \(bad) is outside the model's vocabulary of \(vocabularySize)")
        }
        return tokens
    }

    /// Parses the bytes of a LoRAKit token file (`LKTOKENS` header); `path` names it in errors.
    public static func parse(_ data: Data, path: String) throws -> [Int32] {
        guard data.count >= 24 else { throw TrainingError.checkpoint(file: path, detail: "token file header is truncated") }
        func integer<T: FixedWidthInteger>(_ offset: Int, _ type: T.Type) -> T {
            data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        let width = Int(integer(8, UInt32.self))
        let count = integer(16, UInt64.self)
        guard width == 2 || width == 4 else { throw TrainingError.checkpoint(file: path, detail: "token width \(width) bytes is not 2 or 4") }
        guard count <= UInt64((data.count - 24) / width), 24 + Int(count) * width == data.count else {
            throw TrainingError.checkpoint(file: path, detail: "header says \(count) tokens of \(width) bytes but the file holds \(data.count - 24) bytes of tokens")
        }
        return data.withUnsafeBytes { raw in
            (0..<Int(count)).map { i in
                width == 2 ? Int32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 24 + 2 * i, as: UInt16.self)))
                           : Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 24 + 4 * i, as: UInt32.self)))
            }
        }
    }

    /// Writes `tokens` as a token file (2 bytes per token when they all fit, else 4), atomically.
    public static func write(_ tokens: [Int32], to url: URL) throws {
        let width = tokens.allSatisfy { (0...Int32(UInt16.max)).contains($0) } ? 2 : 4
        var data = Data(magic)
        withUnsafeBytes(of: UInt32(width).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(0).littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(tokens.count).littleEndian) { data.append(contentsOf: $0) }
        for token in tokens {
            if width == 2 {
                withUnsafeBytes(of: UInt16(truncatingIfNeeded: token).littleEndian) { data.append(contentsOf: $0) }
            } else {
                withUnsafeBytes(of: UInt32(bitPattern: token).littleEndian) { data.append(contentsOf: $0) }
            }
        }
        try data.write(to: url, options: .atomic)
    }
}
