import Foundation
import LoRAKit
import Testing

/// Against `Fixtures/peft`: adapters written by PEFT 0.21.2 for the tiny Llama, with PEFT's own
/// merge_and_unload() results (`Fixtures/make_peft_fixtures.py`).
@Suite("PEFT adapters")
struct PEFTAdapterTests {
    static func folder(_ name: String) -> URL { Fixtures.url("peft/\(name)") }

    @Test("PEFT-written adapters load with their configuration")
    func loadsPEFTAdapters() throws {
        let standard = try PEFTAdapter.load(from: Self.folder("standard"))
        #expect(standard.config.rank == 4 && standard.config.alpha == 8 && standard.config.dropout == 0.05 && !standard.config.useRSLoRA)
        #expect(Set(standard.config.targetModules) == ["q_proj", "v_proj"])
        #expect(standard.modules.count == 4)
        let q = try #require(standard.modules["model.layers.1.self_attn.q_proj"])
        #expect(q.inFeatures == 64 && q.outFeatures == 64 && q.a.count == 4 * 64)
        let v = try #require(standard.modules["model.layers.0.self_attn.v_proj"])
        #expect(v.outFeatures == 32, "GQA: v_proj is kv_heads·head_dim = 32 wide")

        let rslora = try PEFTAdapter.load(from: Self.folder("rslora"))
        #expect(rslora.config.useRSLoRA && rslora.config.rank == 8 && rslora.config.scale == 16 / Float(8).squareRoot())
        #expect(rslora.modules.count == 14)
    }

    @Test("an adapter merged by LoRAKit equals PEFT's merge_and_unload", arguments: TestDevices.all, ["standard", "rslora"])
    func mergeMatchesPEFT(info: DeviceInfo, name: String) throws {
        let device = try TestDevices.open(info)
        let adapter = try PEFTAdapter.load(from: Self.folder(name))
        let base = try SafeTensorsFile(contentsOf: Fixtures.url("tiny-llama-bnb4/original.safetensors"))
        let merged = try SafeTensorsFile(contentsOf: Self.folder(name).appendingPathComponent("merged.safetensors"))
        for (path, module) in adapter.modules {
            let w = try base.floats(path + ".weight")
            let layer = try LoRALinear(weight: device.makeBuffer(w, label: path), inFeatures: module.inFeatures,
                                       outFeatures: module.outFeatures, config: adapter.config)
            try layer.load(module)
            let ours: [Float] = try layer.mergedWeight(as: .float32).download()
            let theirs = try merged.floats(path + ".weight")
            let r = adapter.config.rank, k = module.inFeatures, s = Double(adapter.config.scale)
            let bound = (0..<w.count).map { index -> Double in
                let (o, i) = (index / k, index % k)
                let magnitude = (0..<r).reduce(0.0) { $0 + abs(Double(module.b[o * r + $1]) * Double(module.a[$1 * k + i])) }
                return 2 * Double(r + 4) * float32Roundoff * (abs(Double(w[index])) + s * magnitude)
            }
            expectWithin(ours, theirs.map(Double.init), bound: bound, "\(name) \(path)")
        }
    }

    @Test("save then load gives the same adapter; the config has PEFT's fields")
    func roundTrip() throws {
        let adapter = try PEFTAdapter.load(from: Self.folder("rslora"))
        var renamed = adapter
        renamed.baseModelNameOrPath = "tiny-llama"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-adapter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try renamed.save(to: folder)
        // For the one-off check in PEFT itself: python make_peft_fixtures.py --check <folder>.
        if let export = ProcessInfo.processInfo.environment["LORAKIT_EXPORT_ADAPTER"] {
            try renamed.save(to: URL(fileURLWithPath: export))
        }
        #expect(try PEFTAdapter.load(from: folder) == renamed)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        for field in ["peft_type", "r", "lora_alpha", "lora_dropout", "target_modules", "bias", "fan_in_fan_out", "use_rslora",
                      "use_dora", "init_lora_weights", "modules_to_save", "rank_pattern", "alpha_pattern", "task_type",
                      "base_model_name_or_path", "inference_mode", "peft_version"] {
            #expect(config[field] != nil, "adapter_config.json lacks \(field)")
        }
        #expect(config["lora_dropout"] as? Double == 0 && config["base_model_name_or_path"] as? String == "tiny-llama")
        let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("adapter_model.safetensors"))
        #expect(weights.metadata == ["format": "pt"])
        #expect(try weights.info("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight").shape == [8, 96])
    }

    @Test("unsupported or broken adapters give errors that name the file and the problem")
    func badInput() throws {
        func adapterFolder(config: [String: Any], tensors: [(String, [Int])]) throws -> URL {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bad-adapter-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("adapter_config.json"))
            var writer = SafeTensorsWriter()
            for (name, shape) in tensors {
                try writer.add(.init(name: name, shape: shape, floats: [Float](repeating: 0.5, count: shape.reduce(1, *))))
            }
            try writer.write(to: folder.appendingPathComponent("adapter_model.safetensors"))
            return folder
        }
        let good: [String: Any] = ["peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]]
        let a = ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [2, 8])
        let b = ("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", [6, 2])
        var cases: [([String: Any], [(String, [Int])], String)] = []
        cases.append((good.merging(["use_dora": true]) { $1 }, [a, b], "use_dora (DoRA) is not implemented"))
        cases.append((good.merging(["peft_type": "IA3"]) { $1 }, [a, b], "peft_type is 'IA3', not LORA"))
        cases.append((good.merging(["rank_pattern": ["q_proj": 4]]) { $1 }, [a, b], "rank_pattern or alpha_pattern"))
        cases.append((good.merging(["r": 0]) { $1 }, [a, b], "rank r must be at least 1"))
        cases.append((good, [a], "has lora_A but not lora_B"))
        cases.append((good, [a, ("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", [6, 3])], "do not fit r = 2"))
        cases.append((["r": 2], [a, b], "not a PEFT adapter config"))
        for (config, tensors, expected) in cases {
            let folder = try adapterFolder(config: config, tensors: tensors)
            defer { try? FileManager.default.removeItem(at: folder) }
            #expect { try PEFTAdapter.load(from: folder) } throws: { "\($0)".contains(expected) && "\($0)".contains(folder.path) }
        }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-no-adapter-\(UUID().uuidString)")
        #expect { try PEFTAdapter.load(from: missing) } throws: { "\($0)".contains("adapter_config.json") }

        let layer = try LoRALinear(weight: TestDevices.host.makeBuffer(.float32, count: 6 * 8, label: "W"), inFeatures: 8, outFeatures: 6,
                                   config: LoRAConfig(rank: 2))
        #expect { try layer.load(.init(a: [Float](repeating: 0, count: 16), b: [Float](repeating: 0, count: 10), inFeatures: 8, outFeatures: 5)) } throws: {
            "\($0)".contains("does not fit W")
        }
    }
}
