import Foundation
import LoRAKitTokenizers

/// The committed fixtures, read from the source tree (they are not bundled into the test binary).
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Every tokenizer folder make_tokenizer_fixtures.py writes.
    static let tokenizerNames = ["llama2", "llama2-converted", "llama3", "llama3-converted", "qwen2", "gpt2", "smollm2"]

    /// Loading the large vocabularies takes a while, so each is loaded once for all tests.
    nonisolated(unsafe) private static var loaded: [String: Tokenizer] = [:]
    private static let lock = NSLock()

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try lock.withLock {
            if let tokenizer = loaded[name] { return tokenizer }
            let tokenizer = try Tokenizer(folder: folder.appendingPathComponent(name))
            loaded[name] = tokenizer
            return tokenizer
        }
    }

    struct Expected: Decodable {
        let text: String
        let ids: [Int32]
        let ids_special: [Int32]
        let decoded: String
        let decoded_special: String
        let decoded_special_skip: String
    }

    static func expected(_ name: String) throws -> [Expected] {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected-\(name).json"))
        return try JSONDecoder().decode([Expected].self, from: data)
    }

    static func corpus() throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: folder.appendingPathComponent("corpus.json")))
    }

    /// llama.cpp's cases: inputs separated by `__ggml_vocab_test__` lines, one line of ids each.
    static func llamaCppCases(_ gguf: String) throws -> [(text: String, ids: [Int32])] {
        let base = folder.appendingPathComponent("llamacpp").appendingPathComponent(gguf)
        var inputs = try String(contentsOf: base.appendingPathExtension("inp"), encoding: .utf8)
            .components(separatedBy: "\n__ggml_vocab_test__\n")
        if let last = inputs.last, last.hasSuffix("\n__ggml_vocab_test__") {
            inputs[inputs.count - 1] = String(last.dropLast("\n__ggml_vocab_test__".count))
        }
        let outputs = try String(contentsOf: base.appendingPathExtension("out"), encoding: .utf8)
            .components(separatedBy: "\n")
        return inputs.enumerated().map { index, text in
            (text, outputs[index].split(separator: " ").compactMap { Int32($0) })
        }
    }
}

/// A readable string for a failure message: escapes controls and shows non-ASCII as is.
func shown(_ text: String) -> String {
    text.unicodeScalars.map { scalar in
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return scalar.value < 0x20 ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
    }.joined()
}

/// The scalars of a text: compare these, not Strings, whose `==` treats "é" and "e\u{301}" as equal.
func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }
