import Foundation
import Testing
import LoRAKitGGUF

/// Real vocab-only GGUF files from llama.cpp against what gguf.GGUFReader read from them
/// (expectations.json). llama-spm is committed; qwen2 (6 MB) is read where llama.cpp's
/// models folder is present and skipped otherwise.
@Suite struct VocabTests {
    /// llama.cpp's models folder (ci/fetch-references unpacks it and sets LORAKIT_LLAMACPP_MODELS).
    static let llamaCppModels = ProcessInfo.processInfo.environment["LORAKIT_LLAMACPP_MODELS"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/lorakit/ref/llama_cpp_python-0.3.36/vendor/llama.cpp/models")

    /// Whether a file of that folder is read: when it is there, and always under CI=true, where a
    /// missing one must fail rather than be passed over.
    static func wanted(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path) || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    static func expectation(_ file: String) throws -> [String: Any] {
        let vocabs = try Fixtures.expectations()["vocabs"] as? [[String: Any]] ?? []
        return try #require(vocabs.first { $0["file"] as? String == file })
    }

    func check(_ file: GGUFFile, against e: [String: Any]) throws {
        #expect(file.metadataKeys.count == e["kv_count"] as? Int)
        #expect(file.tensors.count == e["tensor_count"] as? Int)
        #expect(try file.string("general.architecture") == e["architecture"] as? String)
        #expect(try file.string("tokenizer.ggml.model") == e["model"] as? String)
        let tokens = try file.strings("tokenizer.ggml.tokens")
        #expect(tokens.count == e["token_count"] as? Int)
        for (index, token) in e["tokens"] as? [String: String] ?? [:] {
            #expect(tokens[try #require(Int(index))] == token, "token \(index)")
        }
        if let scores = e["scores"] as? [String: Double] {
            let ours = try file.floats("tokenizer.ggml.scores")
            for (index, score) in scores { #expect(Double(ours[try #require(Int(index))]) == score) }
        }
        if let types = e["token_types"] as? [String: Int] {
            let ours = try file.ints("tokenizer.ggml.token_type")
            for (index, type) in types { #expect(ours[try #require(Int(index))] == type) }
        }
        if let merges = e["merges"] as? [String: String] {
            let ours = try file.strings("tokenizer.ggml.merges")
            #expect(ours.count == e["merge_count"] as? Int)
            for (index, merge) in merges { #expect(ours[try #require(Int(index))] == merge) }
        }
    }

    @Test func llamaSPM() throws {
        let name = "ggml-vocab-llama-spm.gguf"
        try check(try Fixtures.open(name), against: try Self.expectation(name))
    }

    /// All 19 vocab files llama.cpp ships (up to 262k tokens), where present (always under CI=true).
    @Test func everyLlamaCppVocab() throws {
        let all = try Fixtures.expectations()["all_vocabs"] as? [String: [String: Any]] ?? [:]
        #expect(all.count == 19)
        for (name, e) in all.sorted(by: { $0.key < $1.key }) {
            let url = Self.llamaCppModels.appendingPathComponent(name)
            guard Self.wanted(url) else { continue }
            let file = try GGUFFile(contentsOf: url)
            let tokens = try file.strings("tokenizer.ggml.tokens")
            #expect(file.metadataKeys.count == e["kv_count"] as? Int, "\(name)")
            #expect(file.tensors.count == e["tensor_count"] as? Int, "\(name)")
            #expect(tokens.count == e["token_count"] as? Int, "\(name)")
            #expect(tokens.last == e["last_token"] as? String, "\(name)")
        }
    }

    @Test func qwen2WhenPresent() throws {
        let name = "ggml-vocab-qwen2.gguf"
        let url = Self.llamaCppModels.appendingPathComponent(name)
        guard Self.wanted(url) else { return }
        let start = Date()
        let file = try GGUFFile(contentsOf: url)
        let seconds = Date().timeIntervalSince(start)
        try check(file, against: try Self.expectation(name))
        print("qwen2 vocab (152k tokens, 151k merges) parsed in \(String(format: "%.3f", seconds)) s")
    }
}
