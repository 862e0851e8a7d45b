import Foundation
import LoRAKit
import Testing

/// A step whose loss or gradient is not finite stops the run before anything is updated, with an
/// error naming the step, the loss and the first parameter whose gradient is not finite; or,
/// with `skipNonFinite`, is skipped and reported. A learning rate of 10³⁰ moves B by about 10³⁰
/// in step 1 (RMSNorm absorbs that) and A in step 2, so step 3's forward pass overflows.
@Suite("Non-finite steps")
struct NonFiniteTests {
    static func trainer(on device: any Device, folder: URL) throws -> Trainer {
        var config = TrainerTests.config(steps: 5)
        config.learningRate = 1e30
        config.maxGradNorm = 0
        let data = try TokenWindows(tokens: TrainerTests.text, length: 16, heldOutFraction: 0, source: "text")
        return try Trainer(model: TrainerTests.model(on: device, folder: folder), data: data, config: config)
    }

    static func values(_ trainer: Trainer) throws -> [[Float]] {
        try trainer.model.trainableParameters.map { try $0.value.download(as: Float.self) }
    }

    @Test("the run stops at the first non-finite step, naming it, with the parameters as they were", arguments: TestDevices.all)
    func stops(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Self.trainer(on: device, folder: folder)
        for _ in 0..<2 {
            let report = try trainer.runStep()
            #expect(report.loss.isFinite && !report.skipped)
        }
        let before = try Self.values(trainer)
        #expect { try trainer.runStep() } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("step 3: loss ") && text.contains("not finite") && text.contains("model.layers.0.self_attn.q_proj")
        }
        #expect(try Self.values(trainer) == before, "nothing is updated by a non-finite step")
        #expect(trainer.step == 2)
    }

    @Test("with skipNonFinite, such steps are skipped and counted, up to the limit", arguments: TestDevices.all)
    func skips(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Self.trainer(on: device, folder: folder)
        trainer.skipNonFinite = 2
        _ = try trainer.runStep()
        _ = try trainer.runStep()
        let before = try Self.values(trainer)
        for step in 3...4 {
            let report = try trainer.runStep()
            #expect(report.skipped && report.step == step && !report.loss.isFinite)
        }
        let after = try Self.values(trainer)
        #expect(trainer.skippedSteps == 2 && after == before)
        #expect { try trainer.runStep() } throws: { "\($0)".hasPrefix("step 5: ") }
        var log = TrainingLog()
        log.append(.init(step: 2, loss: .nan, learningRate: 1, gradientNorm: .nan, tokensPerSecond: 1, heldOutLoss: nil, skipped: true))
        #expect(log.csv.hasSuffix(",1\n") && TrainingLog(csv: log.csv, through: 2).rows.first?.skipped == true)
    }
}
