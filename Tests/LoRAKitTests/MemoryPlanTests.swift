import Foundation
import LoRAKit
import Testing

/// The plan's total against the peak the device itself counts over real training runs (the
/// model loaded, the held-out loss, two AdamW steps), on the host for every configuration and
/// on each OpenCL device for the small ones. The plan replays the code's allocations buffer by
/// buffer, so the tolerance is zero: it must equal the measured peak to the byte. (It assumes
/// buffers live to the end of their scope; were an optimized build to free some earlier, the
/// measured peak could only fall below the plan, never rise above it.)
@Suite("Memory plan against measured peaks")
struct MemoryPlanTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The model folder (or .gguf file), and whether it is a temporary copy to delete.
        let model: @Sendable () throws -> (url: URL, temporary: Bool)
        let settings: MemoryPlan.Settings
        /// Cheap enough to run on every OpenCL device too.
        let everyDevice: Bool
        var testDescription: String { name }
    }

    struct Run: Sendable, CustomTestStringConvertible {
        let planCase: Case
        let device: DeviceInfo
        var testDescription: String { "\(planCase.name) on \(device.identifier)" }
    }

    static let allSeven = ModelConfig.linearModules

    static func lora(_ targets: [String], r: Int, dropout: Float) -> MemoryPlan.Settings.Training {
        .lora(LoRAConfig(rank: r, alpha: Float(2 * r), dropout: dropout, targetModules: targets))
    }

    static let bundled: @Sendable () throws -> (url: URL, temporary: Bool) = {
        (Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Bundled/kjv-llama-3m"), false)
    }

    static func random(hidden: Int, intermediate: Int, layers: Int, heads: Int, kvHeads: Int, vocabulary: Int, tied: Bool = false,
                       dtype: SafeTensorsDType = .f32) -> @Sendable () throws -> (url: URL, temporary: Bool) {
        { (try PlanFixtures.randomModel(hidden: hidden, intermediate: intermediate, layers: layers, heads: heads, kvHeads: kvHeads,
                                        vocabulary: vocabulary, tied: tied, dtype: dtype), true) }
    }

    static let cases: [Case] = [
        Case(name: "bundled, LoRA q,v r=8, 128×2, no checkpointing", model: bundled,
             settings: .init(sequenceLength: 128, batch: 2, training: lora(["q_proj", "v_proj"], r: 8, dropout: 0.05)), everyDevice: true),
        Case(name: "random tiny Llama, QLoRA (NF4 on load) on all seven r=16, 512×1, checkpointing by default",
             model: random(hidden: 64, intermediate: 160, layers: 2, heads: 4, kvHeads: 2, vocabulary: 256),
             settings: .init(sequenceLength: 512, batch: 1, training: lora(allSeven, r: 16, dropout: 0.1), quantizeToNF4: true),
             everyDevice: false),
        Case(name: "tiny bitsandbytes NF4 checkpoint, LoRA q,k,v,o r=4 without dropout, 32×3",
             model: { (Fixtures.url("tiny-llama-bnb4"), false) },
             settings: .init(sequenceLength: 32, batch: 3, training: lora(["q_proj", "k_proj", "v_proj", "o_proj"], r: 4, dropout: 0)),
             everyDevice: true),
        Case(name: "random GQA Llama, 1000-token vocabulary, NF4 on load, gate/up/down r=8, 280×2 (three LM-head blocks), checkpointing on",
             model: random(hidden: 64, intermediate: 176, layers: 3, heads: 4, kvHeads: 2, vocabulary: 1000),
             settings: .init(sequenceLength: 280, batch: 2, training: lora(["gate_proj", "up_proj", "down_proj"], r: 8, dropout: 0.05),
                             quantizeToNF4: true, checkpointing: true), everyDevice: false),
        Case(name: "random F16 Llama with a tied head, LoRA on all seven r=4, 64×2",
             model: random(hidden: 96, intermediate: 256, layers: 2, heads: 4, kvHeads: 4, vocabulary: 512, tied: true, dtype: .f16),
             settings: .init(sequenceLength: 64, batch: 2, training: lora(allSeven, r: 4, dropout: 0.05)), everyDevice: true),
        Case(name: "random BF16 Llama, LoRA q,v r=8, 96×1",
             model: random(hidden: 96, intermediate: 256, layers: 2, heads: 2, kvHeads: 1, vocabulary: 700, dtype: .bf16),
             settings: .init(sequenceLength: 96, batch: 1, training: lora(["q_proj", "v_proj"], r: 8, dropout: 0.05)), everyDevice: false),
        Case(name: "random GQA Llama, attention in four chunks (a 64 KiB score budget, P recomputed), LoRA q,k,v,o r=4, 128×2",
             model: random(hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocabulary: 256),
             settings: .init(sequenceLength: 128, batch: 2, training: lora(["q_proj", "k_proj", "v_proj", "o_proj"], r: 4, dropout: 0.05),
                             attentionScoreBudgetBytes: 64 << 10), everyDevice: true),
        Case(name: "the same with one chunk per sequence (256 KiB), checkpointing on",
             model: random(hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocabulary: 256),
             settings: .init(sequenceLength: 128, batch: 2, training: lora(["q_proj", "k_proj", "v_proj", "o_proj"], r: 4, dropout: 0.05),
                             checkpointing: true, attentionScoreBudgetBytes: 256 << 10), everyDevice: false),
        Case(name: "GGUF Llama in block formats, LoRA on all seven r=4, 48×2",
             model: { (Fixtures.url("gguf-model/tiny-llama.gguf"), false) },
             settings: .init(sequenceLength: 48, batch: 2, training: lora(allSeven, r: 4, dropout: 0.05)), everyDevice: true),
        Case(name: "bundled, full-parameter, 64×2", model: bundled,
             settings: .init(sequenceLength: 64, batch: 2, training: .full), everyDevice: false),
        Case(name: "GGUF Qwen2 (q/k/v biases, 151936-token vocabulary), full-parameter, 32×2", model: { (Fixtures.url("gguf-model/tiny-qwen2.gguf"), false) },
             settings: .init(sequenceLength: 32, batch: 2, training: .full), everyDevice: false),
    ]

    static let runs: [Run] = cases.flatMap { planCase in
        TestDevices.all.filter { $0.backend == .host || planCase.everyDevice }.map { Run(planCase: planCase, device: $0) }
    }

    @Test("the plan's total equals the measured peak to the byte", arguments: runs)
    func planMatchesMeasuredPeak(run: Run) throws {
        let (url, temporary) = try run.planCase.model()
        defer { if temporary { try? FileManager.default.removeItem(at: url) } }
        var settings = run.planCase.settings
        settings.fusedAttention = MemoryPlan.Settings.fusedAttention(on: run.device)
        let plan = try MemoryPlan(checkpoint: ModelCheckpoint(folder: url), settings: settings)
        let measured = try PlanFixtures.measuredPeak(model: url, settings: settings, on: run.device)
        #expect(plan.totalBytes == measured, "planned \(plan.totalBytes) B, measured \(measured) B; parts \(plan.parts)")
        #expect(plan.parts.values.reduce(0, +) == plan.totalBytes)
    }

    /// The Trainer decides checkpointing by --seq-len: a padded micro-batch of 511 tokens is
    /// recomputed like the 600-token one. Were it decided per micro-batch, six blocks' caches at
    /// 511 tokens would outweigh one recomputed block at 600 and break the plan.
    @Test("padded examples shorter than 512 tokens are checkpointed too, so the full length's plan bounds them")
    func variableLengths() throws {
        let folder = try PlanFixtures.randomModel(hidden: 32, intermediate: 64, layers: 6, heads: 2, kvHeads: 1, vocabulary: 256)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(folder: folder)
        let lora = LoRAConfig(rank: 4, alpha: 8, dropout: 0.05, targetModules: ["q_proj", "v_proj"])
        let plan = try MemoryPlan(checkpoint: checkpoint, settings: MemoryPlan.Settings(sequenceLength: 600, batch: 1, training: .lora(lora),
                                                                                         fusedAttention: true))
        let unchecked = try MemoryPlan(checkpoint: checkpoint, settings: MemoryPlan.Settings(sequenceLength: 511, batch: 1, training: .lora(lora),
                                                                                              checkpointing: false, fusedAttention: true))
        #expect(plan.checkpointing && unchecked.totalBytes > plan.totalBytes, "the case must tell the two rules apart")
        // One micro-batch of each length: 600, 511 and 300, all checkpointed.
        let examples = [600, 511, 300].map { length in
            TrainingExample(ids: (0..<length).map { Int32($0 * 7 % 256) }, trained: [Bool](repeating: true, count: length))
        }
        let data = try ExampleDataset(training: examples, heldOut: [], sequenceLength: 600, packing: false, paddingID: 0)
        let device = try Devices.openSeparately(TestDevices.host.info, kernels: .fromEnvironment(), environment: [:])
        let model = try LlamaModel(checkpoint: checkpoint, device: device, lora: lora, seed: 1)
        var config = TrainingConfig()
        (config.steps, config.batch) = (3, 1)
        let trainer = try Trainer(model: model, data: data, config: config)
        for _ in 0..<3 { _ = try trainer.runStep() }
        #expect(plan.totalBytes == device.memoryUsage.peakBytes, "planned \(plan.totalBytes) B, measured \(device.memoryUsage.peakBytes) B")
    }
}
