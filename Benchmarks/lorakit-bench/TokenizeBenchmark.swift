import ArgumentParser
import Foundation
import LoRAKit
import LoRAKitTokenizers

/// Encode throughput of LoRAKitTokenizers on one thread, in MB/s of UTF-8 input: each file is
/// cut into chunks at line ends (the same chunks Benchmarks/peer/tokenize_peer.py gives the
/// `tokenizers` package), encoded once to warm the word cache, then timed over whole passes.
struct TokenizeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenizer encode MB/s on one thread (compare with Benchmarks/peer/tokenize_peer.py).")

    @Option(name: .customLong("tokenizer"), help: "A tokenizer folder or .gguf model (repeatable). Default: the test fixtures' llama2, llama3, qwen2, smollm2.")
    var tokenizers: [String] = []

    @Option(name: .customLong("file"), help: "A UTF-8 text file (repeatable). Default: Bundled/texts/*.txt.")
    var files: [String] = []

    @Option(help: "Chunk size: lines are gathered until a chunk has at least this many bytes.")
    var chunkBytes = 4096

    @Option(help: "Use at most this many bytes of each file (cut at a line end); 0 for all.")
    var maxBytes = 1_000_000

    @Option(help: "Timed passes over each file; the median is reported.")
    var repeats = 3

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func run() throws {
        guard repeats >= 1, chunkBytes >= 1 else { throw ValidationError("--repeats and --chunk-bytes must be at least 1") }
        let folders = tokenizers.isEmpty
            ? ["llama2", "llama3", "qwen2", "smollm2"].map {
                Self.repository.appendingPathComponent("Tests/LoRAKitTokenizersTests/Fixtures/\($0)").path
            }
            : tokenizers
        let texts = try (files.isEmpty ? try Self.bundledTexts() : files).map { path in
            (path, Self.chunks(try Data(contentsOf: URL(fileURLWithPath: path)), chunkBytes: chunkBytes, maxBytes: maxBytes))
        }
        var table = TextTable(header: ["tokenizer", "file", "MB", "tokens", "MB/s"], rightAligned: [2, 3, 4])
        for folder in folders {
            // A .gguf model file: its own tokenizer, as llama.cpp runs it.
            let url = URL(fileURLWithPath: folder)
            let tokenizer = url.pathExtension == "gguf" ? try ModelTokenizer(gguf: url).tokenizer : try Tokenizer(folder: url)
            for (path, chunks) in texts {
                let result = measure(tokenizer, chunks)
                let name = URL(fileURLWithPath: folder).lastPathComponent, file = URL(fileURLWithPath: path).lastPathComponent
                if json {
                    print("{\"suite\":\"tokenize\",\"tokenizer\":\"\(name)\",\"file\":\"\(file)\",\"bytes\":\(result.bytes),"
                        + "\"tokens\":\(result.tokens),\"ids_fnv1a\":\"\(String(result.checksum, radix: 16))\","
                        + "\"median_s\":\(result.seconds),\"mb_per_s\":\(result.megabytesPerSecond)}")
                } else {
                    table.append([name, file, String(format: "%.2f", Double(result.bytes) / 1e6), "\(result.tokens)",
                                  String(format: "%.2f", result.megabytesPerSecond)])
                }
            }
        }
        if !json {
            print(table.rendered)
            print("\nOne thread; encode(addSpecialTokens: false) of each chunk; median of \(repeats) passes after a warm-up pass.")
        }
    }

    struct Result {
        var bytes: Int
        var tokens: Int
        /// FNV-1a (64-bit) over every id as 4 little-endian bytes, chunk after chunk: tokenize_peer.py
        /// computes the same, so equal sums mean the very same ids, not just as many.
        var checksum: UInt64
        var seconds: Double
        var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
    }

    func measure(_ tokenizer: Tokenizer, _ chunks: [String]) -> Result {
        let bytes = chunks.reduce(0) { $0 + $1.utf8.count }
        var tokens = 0
        var checksum: UInt64 = 0xCBF2_9CE4_8422_2325
        for chunk in chunks {
            let ids = tokenizer.encode(chunk, addSpecialTokens: false)
            tokens += ids.count
            for id in ids {
                for shift in stride(from: 0, to: 32, by: 8) {
                    checksum = (checksum ^ UInt64((UInt32(bitPattern: id) >> UInt32(shift)) & 0xFF)) &* 0x100_0000_01B3
                }
            }
        }
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = Measurement.now()
            for chunk in chunks { _ = tokenizer.encode(chunk, addSpecialTokens: false) }
            times.append(Measurement.now() - start)
        }
        return Result(bytes: bytes, tokens: tokens, checksum: checksum, seconds: times.sorted()[times.count / 2])
    }

    static func bundledTexts() throws -> [String] {
        let folder = repository.appendingPathComponent("Bundled/texts")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".txt") }.sorted()
            .map { folder.appendingPathComponent($0).path }
    }

    /// The first `maxBytes` bytes cut back to a line end, then lines (with their "\n") gathered
    /// until a chunk reaches `chunkBytes`. tokenize_peer.py cuts the same way.
    static func chunks(_ data: Data, chunkBytes: Int, maxBytes: Int) -> [String] {
        var bytes = [UInt8](data)
        if maxBytes > 0 && bytes.count > maxBytes {
            let end = bytes[..<maxBytes].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? maxBytes
            bytes = Array(bytes[..<end])
        }
        var chunks: [String] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") && index + 1 - start >= chunkBytes {
                chunks.append(String(decoding: bytes[start...index], as: UTF8.self))
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count { chunks.append(String(decoding: bytes[start...], as: UTF8.self)) }
        return chunks
    }
}
