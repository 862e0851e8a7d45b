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

    /// A BF16 base merges into BF16: each adapted tensor is W + s·B·A (summed in float32 over the
    /// exactly widened W) rounded to nearest even as PyTorch's `.to(torch.bfloat16)`, bit for bit
    /// with `ReferenceBFloat16`; a NaN in W stays NaN (0x7FC0); every other tensor is copied byte
    /// for byte. The merged logits differ from base + adapter by the rounding of the merged
    /// weights (2⁻⁹ relative each; under 4·10⁻³·(1 + |logit|) seen): bound 10⁻²·(1 + |logit|).
    @Test("a BF16 base merges into BF16, rounded to nearest even bit for bit; NaN stays NaN")
    func mergedBFloat16() throws {
        let device = try TestDevices.host
        let adapterURL = Fixtures.url("peft/rslora")
        let adapter = try PEFTAdapter.load(from: adapterURL)
        let poisoned = "model.layers.0.self_attn.q_proj.weight"
        let (bf16, widened) = try BFloat16CheckpointTests.checkpoints { name, values in
            if name == poisoned { values[5] = BFloat16(bitPattern: 0x7FA1) }   // a signalling NaN with a payload
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-merged-bf16-\(UUID().uuidString)")
        defer { [bf16, widened, output].forEach { try? FileManager.default.removeItem(at: $0) } }
        let report = try AdapterMerge.merge(model: bf16, adapter: adapterURL, output: output, device: device)
        #expect(report.mergedModules == 14 && report.dtype == "bfloat16")
        let (base, wide, merged) = try (ModelCheckpoint(folder: bf16), ModelCheckpoint(folder: widened), ModelCheckpoint(folder: output))
        for (name, shape) in base.config.expectedTensors {
            let stored = try merged.stored(name)
            #expect(stored.dtype == .bf16, "\(name)")
            guard let module = adapter.modules[String(name.dropLast(".weight".count))] else {
                #expect(stored.bytes == (try base.stored(name).bytes), "\(name) is copied")
                continue
            }
            let layer = try LoRALinear(weight: device.makeBuffer(wide.floats(name), label: name), inFeatures: shape[1], outFeatures: shape[0],
                                       config: adapter.config)
            try layer.load(module)
            let expected = try layer.mergedWeight(as: .float32).download(as: Float.self).map(ReferenceBFloat16.bits)
            let got = stored.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
            #expect(got == expected, "\(name) rounded to nearest even")
            if name == poisoned { #expect(got[5] == 0x7FC0, "NaN stays NaN") }
        }
        // Logits without the NaN: merge the clean checkpoint and compare with base + adapter.
        let (clean, cleanWide) = try BFloat16CheckpointTests.checkpoints()
        let cleanOutput = output.appendingPathExtension("clean")
        defer { [clean, cleanWide, cleanOutput].forEach { try? FileManager.default.removeItem(at: $0) } }
        _ = try AdapterMerge.merge(model: clean, adapter: adapterURL, output: cleanOutput, device: device)
        let expectedLogits = try logits(folder: clean, adapter: adapterURL, on: device).map(Double.init)
        expectWithin(try logits(folder: cleanOutput, adapter: nil, on: device), expectedLogits,
                     bound: expectedLogits.map { 1e-2 * (1 + abs($0)) }, "merged bfloat16")
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
