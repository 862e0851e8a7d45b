import Foundation
import LoRAKit

/// Small models for the memory plan's measured checks: random Llamas written to temporary
/// folders (float32, or converted to F16 or BF16 storage), and the training run whose peak the
/// plan must predict.
enum PlanFixtures {
    /// A random Llama of the given shape in a new temporary folder, its matrices stored as `dtype`.
    static func randomModel(hidden: Int, intermediate: Int, layers: Int, heads: Int, kvHeads: Int, vocabulary: Int,
                            tied: Bool = false, dtype: SafeTensorsDType = .f32) throws -> URL {
        var random = RandomCheckpoint()
        (random.hiddenSize, random.intermediateSize, random.layerCount) = (hidden, intermediate, layers)
        (random.attentionHeads, random.keyValueHeads, random.vocabularySize) = (heads, kvHeads, vocabulary)
        (random.tieWordEmbeddings, random.maxPositionEmbeddings) = (tied, 4096)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-plan-\(UUID().uuidString)")
        try random.write(to: folder, seed: 3)
        if dtype != .f32 { try convert(folder.appendingPathComponent("model.safetensors"), to: dtype) }
        return folder
    }

    /// Rewrites every tensor of a float32 safetensors file as F16 (rounded) or BF16 (truncated).
    private static func convert(_ url: URL, to dtype: SafeTensorsDType) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for info in file.tensors {
            let halves: [UInt16] = try file.floats(info.name).map { dtype == .f16 ? Float16($0).bitPattern : UInt16($0.bitPattern >> 16) }
            try writer.add(.init(name: info.name, dtype: dtype, shape: info.shape, bytes: halves.withUnsafeBytes { Data($0) }))
        }
        try writer.write(to: url)
    }

    /// The peak device memory of a training run as `lorakit train` makes it, on a fresh instance
    /// of `info`: the model loaded, the held-out loss evaluated, then two optimizer steps.
    static func measuredPeak(model folder: URL, settings: MemoryPlan.Settings, on info: DeviceInfo) throws -> Int {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment(), environment: [:])
        let checkpoint = try ModelCheckpoint(folder: folder)
        let model = try LlamaModel(checkpoint: checkpoint, device: device, lora: settings.lora, seed: 1,
                                   quantizeToNF4: settings.quantizeToNF4, fullParameter: settings.lora == nil)
        model.attentionScoreBudgetBytes = settings.attentionScoreBudgetBytes
        let (length, batch, vocabulary) = (settings.sequenceLength, settings.batch, checkpoint.config.vocabularySize)
        let tokens = (0..<(4 * batch * length)).map { Int32(($0 * 7 + $0 / 13) % vocabulary) }
        let windows = try TokenWindows(tokens: tokens, length: length, heldOutFraction: 0.25, source: "synthetic")
        var config = TrainingConfig()
        (config.steps, config.batch, config.checkpointing) = (2, batch, settings.checkpointing)
        let trainer = try Trainer(model: model, data: windows, config: config)
        _ = try trainer.evaluate()
        for _ in 0..<2 { _ = try trainer.runStep() }
        try device.synchronize()
        return device.memoryUsage.peakBytes
    }
}
