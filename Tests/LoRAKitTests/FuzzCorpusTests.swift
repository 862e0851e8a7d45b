import Foundation
import LoRAKitFuzzing
import Testing

/// The fuzz targets (Sources/LoRAKitFuzzing) over the committed corpora in Fuzz/: every seed is a
/// valid file its parser accepts (so the fuzzer starts from real formats, and a parser that stops
/// accepting one fails here), and every input a fuzzing run found a crash with runs through its
/// parser again without crashing.
@Suite("fuzz corpora")
struct FuzzCorpusTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: FuzzTarget) throws -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.name)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("every target has seeds, and its parser accepts each one", arguments: FuzzTarget.all.map(\.name))
    func seedsParse(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let seeds = try Self.inputs("corpus", target)
        #expect(!seeds.isEmpty, "Fuzz/corpus/\(name) has no seeds")
        for url in seeds {
            #expect(throws: Never.self, "seed \(url.lastPathComponent)") { try target.run(try Data(contentsOf: url)) }
        }
    }

    @Test("inputs that once crashed a parser now get an answer", arguments: FuzzTarget.all.map(\.name))
    func regressionsRun(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        for url in try Self.inputs("regressions", target) {
            // Accepted or rejected with an error: both are answers. A trap would end the test run.
            _ = try? target.run(try Data(contentsOf: url))
        }
    }
}
