import Foundation
import LoRAKitGGUF
import LoRAKitTokenizers

/// llama.cpp's vocabulary files (`ggml-vocab-NAME.gguf` with `.inp`/`.out` cases): the committed
/// ones under Fixtures/gguf, the others from llama.cpp's `models` folder when it is on this
/// machine (`LORAKIT_LLAMACPP_MODELS`, else the llama-cpp-python sdist under ~/.cache/lorakit/ref).
enum GGUFFixtures {
    static let committed = ["llama-spm", "gpt-2", "qwen2"]
    static let referenceOnly = ["llama-bpe", "phi-3", "starcoder", "refact", "command-r", "mpt", "falcon",
                                "deepseek-llm", "deepseek-coder", "qwen35"]

    static let referenceFolder: URL = {
        if let path = ProcessInfo.processInfo.environment["LORAKIT_LLAMACPP_MODELS"] { return URL(fileURLWithPath: path) }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/lorakit/ref/llama_cpp_python-0.3.36/vendor/llama.cpp/models")
    }()

    static var referencePresent: Bool {
        FileManager.default.fileExists(atPath: referenceFolder.appendingPathComponent("ggml-vocab-llama-bpe.gguf").path)
    }

    /// Whether the tests of the source tree's vocabularies run: when its files are here, and
    /// always under CI=true, where ci/test fetches them (ci/fetch-references) and their absence
    /// must fail, not skip.
    static var referenceRequired: Bool { referencePresent || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The vocabulary file, and the folder of its cases.
    static func files(_ name: String) -> (gguf: URL, cases: URL) {
        let file = "ggml-vocab-\(name).gguf"
        if committed.contains(name) {
            return (Fixtures.folder.appendingPathComponent("gguf").appendingPathComponent(file),
                    Fixtures.folder.appendingPathComponent("llamacpp").appendingPathComponent(file))
        }
        let url = referenceFolder.appendingPathComponent(file)
        return (url, url)
    }

    nonisolated(unsafe) private static var loaded: [String: Tokenizer] = [:]
    private static let lock = NSLock()

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try lock.withLock {
            if let tokenizer = loaded[name] { return tokenizer }
            let tokenizer = try Tokenizer(gguf: vocabulary(files(name).gguf))
            loaded[name] = tokenizer
            return tokenizer
        }
    }

    /// The `tokenizer.ggml.*` fields, read as LoRAKit's `GGUFVocabulary(file:)` reads them (that
    /// one lives in LoRAKit, which this test target does not build against).
    static func vocabulary(_ url: URL) throws -> GGUFVocabulary {
        let file = try GGUFFile(contentsOf: url)
        func has(_ key: String) -> Bool { file.metadata["tokenizer.ggml." + key] != nil }
        let key = { (name: String) in "tokenizer.ggml." + name }
        var vocabulary = GGUFVocabulary(
            name: file.name, model: try file.string(key("model")), pre: has("pre") ? try file.string(key("pre")) : nil,
            tokens: try file.strings(key("tokens")), scores: has("scores") ? try file.floats(key("scores")) : nil,
            tokenTypes: has("token_type") ? try file.ints(key("token_type")).map { Int32($0) } : nil,
            merges: has("merges") ? try file.strings(key("merges")) : [])
        vocabulary.bosTokenID = has("bos_token_id") ? try file.int(key("bos_token_id")) : nil
        vocabulary.eosTokenID = has("eos_token_id") ? try file.int(key("eos_token_id")) : nil
        vocabulary.unknownTokenID = has("unknown_token_id") ? try file.int(key("unknown_token_id")) : nil
        vocabulary.paddingTokenID = has("padding_token_id") ? try file.int(key("padding_token_id")) : nil
        for name in GGUFVocabulary.otherSpecialTokenKeys where has(name) { vocabulary.otherSpecialTokenIDs[name] = try file.int(key(name)) }
        vocabulary.addBosToken = has("add_bos_token") ? try file.bool(key("add_bos_token")) : nil
        vocabulary.addEosToken = has("add_eos_token") ? try file.bool(key("add_eos_token")) : nil
        vocabulary.addSpacePrefix = has("add_space_prefix") ? try file.bool(key("add_space_prefix")) : nil
        vocabulary.chatTemplate = file.metadata["tokenizer.chat_template"] == nil ? nil : try file.string("tokenizer.chat_template")
        vocabulary.modelName = file.metadata["general.name"] == nil ? nil : try file.string("general.name")
        return vocabulary
    }

    /// The `.inp`/`.out` cases: inputs separated by `__ggml_vocab_test__` lines, one line of ids each.
    static func cases(_ name: String) throws -> [(text: String, ids: [Int32])] {
        let base = files(name).cases
        let separator = "\n__ggml_vocab_test__\n"
        var inputs = try String(contentsOf: base.appendingPathExtension("inp"), encoding: .utf8).components(separatedBy: separator)
        if let last = inputs.last, last.hasSuffix("\n__ggml_vocab_test__") {
            inputs[inputs.count - 1] = String(last.dropLast("\n__ggml_vocab_test__".count))
        }
        let outputs = try String(contentsOf: base.appendingPathExtension("out"), encoding: .utf8).components(separatedBy: "\n")
        return inputs.enumerated().map { index, text in
            (text, outputs[index].split(separator: " ").compactMap { Int32($0) })
        }
    }
}
