import Foundation
import LoRAKit
import Testing

/// What the backward pass tells a `GradientObserver`: every trainable parameter once, the last
/// layer first, each gradient already final when it is told.
@Suite("Gradient stages")
struct GradientStagesTests {
    /// Records each report's names and the gradients' values at that moment.
    final class Recorder: GradientObserver {
        var names: [[String]] = []
        var values: [String: [Float]] = [:]
        func gradientsReady(_ parameters: [TrainableParameter]) throws {
            names.append(parameters.map(\.name))
            for parameter in parameters { values[parameter.name] = try parameter.gradient.download() }
        }
    }

    static func models(folder: URL, tied: URL) throws -> [(String, LlamaModel)] {
        let device = try TestDevices.host
        let lora = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device,
                                  lora: LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj", "down_proj"]), seed: 3)
        return [("LoRA", lora),
                ("full", try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, fullParameter: true)),
                ("full, tied head", try LlamaModel(checkpoint: ModelCheckpoint(folder: tied), device: device, fullParameter: true))]
    }

    @Test("each stage is reported once its gradients are final, in gradientStages' order, covering every trainable parameter")
    func stages() throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        let (bf16, tied) = try BFloat16CheckpointTests.checkpoints(tied: true)
        defer { [folder, bf16, tied].forEach { try? FileManager.default.removeItem(at: $0) } }
        let batch = try SequenceBatch.nextToken(LlamaTrainingTests.ids(), batch: 2)
        for (kind, model) in try Self.models(folder: folder, tied: tied) {
            for checkpointing in [false, true] {
                let recorder = Recorder()
                try model.zeroGradients()
                _ = try model.lossAndGradients(batch, step: 0, checkpointing: checkpointing)   // a first micro-batch: reports come on the second
                _ = try model.lossAndGradients(batch, step: 1, checkpointing: checkpointing, observer: recorder)
                #expect(recorder.names == model.gradientStages.map { $0.map(\.name) }, "\(kind)")
                #expect(recorder.names.flatMap { $0 }.sorted() == model.trainableParameters.map(\.name).sorted(), "\(kind)")
                for parameter in model.trainableParameters {
                    #expect(try recorder.values[parameter.name] == parameter.gradient.download(as: Float.self),
                            "\(kind): \(parameter.name) changed after it was reported")
                }
            }
        }
    }

    @Test("layers are reported from the last to the first")
    func order() throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: TestDevices.host,
                                   lora: LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj"]), seed: 3)
        #expect(model.gradientStages.map { $0.map(\.name) } == [[]] + [1, 0].map {
            ["model.layers.\($0).self_attn.q_proj.lora_A", "model.layers.\($0).self_attn.q_proj.lora_B"]
        } + [[]])
    }
}
