import Foundation
import LoRAKit
import Testing

/// `lorakit merge`: a merged checkpoint must give the logits of base + adapter. Tolerances:
/// 2·10⁻⁴·(1 + |logit|) for a float32 base (only the merge's rounding differs); 5·10⁻³·(1 + |logit|)
/// for an NF4 base written as float16 (every Linear weight rounded to float16).
@Suite("Adapter merge")
struct AdapterMergeTests {
    static let ids: [Int32] = [104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 33]

    func logits(folder: URL, adapter: URL?, on device: any Device) throws -> [Float] {
        let peft = try adapter.map { try PEFTAdapter.load(from: $0) }
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, lora: peft?.config)
        if let peft { try model.load(peft, from: adapter!.path) }
        return try model.logits(ids: Self.ids, batch: 2).download()
    }

    @Test("merged float32 and NF4 (→ float16) checkpoints give base + adapter logits", arguments: ["float32", "nf4"])
    func mergedLogits(variant: String) throws {
        let device = try TestDevices.host
        let base = variant == "float32" ? try CheckpointQuantizerTests.floatCheckpoint() : Fixtures.url("tiny-llama-bnb4")
        let adapter = Fixtures.url("peft/\(variant == "float32" ? "rslora" : "standard")")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-merged-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: output)
            if variant == "float32" { try? FileManager.default.removeItem(at: base) }
        }
        let report = try AdapterMerge.merge(model: base, adapter: adapter, output: output, device: device)
        #expect(report.mergedModules == (variant == "float32" ? 14 : 4))
        let merged = try ModelCheckpoint(folder: output)
        #expect(!merged.config.isNF4Quantized)
        #expect(try merged.stored("model.layers.0.self_attn.k_proj.weight").dtype == (variant == "float32" ? .f32 : .f16))
        let expected = try logits(folder: base, adapter: adapter, on: device).map(Double.init)
        let tolerance = variant == "float32" ? 2e-4 : 5e-3
        expectWithin(try logits(folder: output, adapter: nil, on: device), expected, bound: expected.map { tolerance * (1 + abs($0)) }, "merged \(variant)")
    }

    @Test("bad input: a module the model lacks, a non-empty output folder")
    func badInput() throws {
        let device = try TestDevices.host
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-merge-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var adapter = try PEFTAdapter.load(from: Fixtures.url("peft/standard"))
        adapter.modules["model.layers.7.self_attn.q_proj"] = adapter.modules["model.layers.0.self_attn.q_proj"]
        try adapter.save(to: scratch.appendingPathComponent("adapter"))
        #expect { try AdapterMerge.merge(model: Fixtures.url("tiny-llama-bnb4"), adapter: scratch.appendingPathComponent("adapter"),
                                         output: scratch.appendingPathComponent("out"), device: device) } throws: {
            "\($0)".contains("model.layers.7.self_attn.q_proj.weight") && "\($0)".contains("is missing")
        }
        #expect { try AdapterMerge.merge(model: Fixtures.url("tiny-llama-bnb4"), adapter: Fixtures.url("peft/standard"),
                                         output: scratch, device: device) } throws: { "\($0)".contains("is not empty") }
    }
}
