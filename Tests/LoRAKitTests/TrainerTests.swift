import Foundation
import LoRAKit
import Testing

@Suite("Training loop")
struct TrainerTests {
    /// Byte tokens of a short repetitive text: the tiny Llama has a byte-level vocabulary of 256.
    static let text = Array(String(repeating: "the cat sat on the mat. the dog sat on the log. ", count: 12).utf8).map(Int32.init)

    static func model(on device: any Device, folder: URL) throws -> LlamaModel {
        try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device,
                       lora: LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, targetModules: ["q_proj", "v_proj", "down_proj"]), seed: 3)
    }

    static func config(steps: Int, batch: Int = 2, accumulation: Int = 1) -> TrainingConfig {
        var config = TrainingConfig()
        config.learningRate = 1e-2
        config.steps = steps
        config.batch = batch
        config.accumulation = accumulation
        config.seed = 5
        config.warmupSteps = 1
        config.scheduler = .cosine
        config.weightDecay = 0.01
        return config
    }

    @Test("schedules follow transformers' formulas")
    func schedules() {
        let cosine = LearningRateSchedule(kind: .cosine, peak: 1, warmupSteps: 2, totalSteps: 10)
        #expect(cosine.rate(at: 0) == 0 && cosine.rate(at: 1) == 0.5 && cosine.rate(at: 2) == 1)
        #expect(abs(cosine.rate(at: 6) - 0.5) < 1e-6 && cosine.rate(at: 10) == 0)
        let linear = LearningRateSchedule(kind: .linear, peak: 1, warmupSteps: 2, totalSteps: 10)
        #expect(linear.rate(at: 6) == 0.5 && linear.rate(at: 10) == 0)
        #expect(LearningRateSchedule(kind: .constant, peak: 3, warmupSteps: 0, totalSteps: 10).rate(at: 9) == 3)
    }

    @Test("windows: trailing partial window dropped, held-out split, seeded shuffle, too-short data")
    func windows() throws {
        let windows = try TokenWindows(tokens: (0..<105).map(Int32.init), length: 10, heldOutFraction: 0.2, source: "t.txt")
        #expect(windows.trainingWindows == 8 && windows.heldOutWindows == 2)
        #expect(Array(windows.heldOutWindow(1)) == (90..<100).map(Int32.init))
        let order = windows.order(epoch: 0, seed: 1)
        #expect(order.sorted() == Array(0..<8) && order != Array(0..<8))
        #expect(order == windows.order(epoch: 0, seed: 1) && order != windows.order(epoch: 1, seed: 1))
        #expect(throws: TrainingError.dataTooShort(file: "short.txt", tokens: 5, needed: 10)) {
            try TokenWindows(tokens: [1, 2, 3, 4, 5], length: 10, heldOutFraction: 0, source: "short.txt")
        }
    }

    @Test("the loss falls on a tiny run, training and held-out", arguments: TestDevices.all)
    func lossFalls(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TokenWindows(tokens: Self.text, length: 16, heldOutFraction: 0.1, source: "text")
        let trainer = try Trainer(model: Self.model(on: device, folder: folder), data: data, config: Self.config(steps: 12))
        let before = try #require(try trainer.evaluate())
        var losses: [Double] = []
        for _ in 0..<12 { losses.append(try trainer.runStep().loss) }
        let after = try #require(try trainer.evaluate())
        #expect(losses.suffix(3).reduce(0, +) < losses.prefix(3).reduce(0, +), "training losses \(losses)")
        #expect(after < before, "held-out loss \(before) → \(after)")
    }

    /// The step's global gradient norm (one reduction over every gradient, one read) against the
    /// norm of the downloaded gradients in double precision, divided by the accumulation count.
    @Test("the reported gradient norm is the global L2 norm of the mean gradient", arguments: TestDevices.all)
    func gradientNorm(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TokenWindows(tokens: Self.text, length: 16, heldOutFraction: 0, source: "text")
        let model = try Self.model(on: device, folder: folder)
        let trainer = try Trainer(model: model, data: data, config: Self.config(steps: 2, batch: 1, accumulation: 2))
        for _ in 0..<2 {
            let report = try trainer.runStep()
            let squares = try model.trainableParameters.reduce(0.0) { sum, parameter in
                try parameter.gradient.download(as: Float.self).reduce(sum) { $0 + Double($1) * Double($1) }
            }
            // The gradients hold the step's mean over both micro-batches' tokens.
            let expected = squares.squareRoot()
            #expect(expected > 0 && abs(report.gradientNorm - expected) <= 1e-5 * expected, "norm \(report.gradientNorm) vs \(expected)")
        }
    }

    /// The device's counts over the third training step of the float checkpoint, LoRA or
    /// full-parameter, on a fresh instance of `info` (so that nothing else counts): the first
    /// two steps make and warm its buffers.
    static func steadyStepCounts(_ info: DeviceInfo, fullParameter: Bool) throws -> OperationCounts {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TokenWindows(tokens: Self.text, length: 16, heldOutFraction: 0, source: "text")
        let model = fullParameter ? try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, fullParameter: true)
                                  : try Self.model(on: device, folder: folder)
        let trainer = try Trainer(model: model, data: data, config: Self.config(steps: 4))
        _ = try trainer.runStep()
        _ = try trainer.runStep()
        let before = device.operationCounts
        _ = try trainer.runStep()
        return device.operationCounts.since(before)
    }

    /// Queue and memory discipline, by the device's own counters: once the first step has made
    /// its buffers, a step reuses them all, never waits on the queue, and reads back only the
    /// loss and the gradient norm.
    @Test("a steady-state step creates no buffers, drains no queue and reads at most 3 times", arguments: TestDevices.all)
    func steadyState(info: DeviceInfo) throws {
        let step = try Self.steadyStepCounts(info, fullParameter: false)
        #expect(step.buffersCreated == 0, "\(step)")
        #expect(step.buffersReused > 0 && step.gemmCalls > 0, "\(step)")
        #expect(step.queueDrains == 0, "\(step)")
        #expect(step.blockingReads <= 3, "\(step)")
    }

    /// The same for full-parameter training, whose step also runs the norm weights' and the
    /// embedding table's gradients (their OpenCL scratch comes from the buffer pool).
    @Test("a steady-state full-parameter step creates no buffers and drains no queue", arguments: TestDevices.all)
    func steadyStateFull(info: DeviceInfo) throws {
        let step = try Self.steadyStepCounts(info, fullParameter: true)
        #expect(step.buffersCreated == 0, "\(step)")
        #expect(step.buffersReused > 0 && step.gemmCalls > 0, "\(step)")
        #expect(step.queueDrains == 0, "\(step)")
    }

    @Test("resuming from a checkpoint continues bit for bit", arguments: TestDevices.all)
    func resume(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        let checkpoint = folder.deletingLastPathComponent().appendingPathComponent("lorakit-ckpt-\(UUID().uuidString)")
        defer { [folder, checkpoint].forEach { try? FileManager.default.removeItem(at: $0) } }
        let data = try TokenWindows(tokens: Self.text, length: 16, heldOutFraction: 0.1, source: "text")
        let config = Self.config(steps: 4)
        func weights(_ model: LlamaModel) throws -> [[Float]] {
            try model.loraLayers.flatMap { [try $0.layer.loraA.download(as: Float.self), try $0.layer.loraB.download(as: Float.self)] }
        }
        let straight = try Trainer(model: Self.model(on: device, folder: folder), data: data, config: config)
        for _ in 0..<4 { _ = try straight.runStep() }

        let first = try Trainer(model: Self.model(on: device, folder: folder), data: data, config: config)
        for _ in 0..<2 { _ = try first.runStep() }
        try first.saveCheckpoint(to: checkpoint)
        try first.saveCheckpoint(to: checkpoint)   // replacing an existing checkpoint works too
        // A fresh model (same seed, hence the same dropout masks) whose adapter is overwritten
        // with garbage: everything must come from the checkpoint.
        let second = try Trainer(model: Self.model(on: device, folder: folder), data: data, config: config)
        for (_, layer) in second.model.loraLayers {
            try layer.loraA.upload([Float](repeating: 7, count: layer.loraA.count))
            try layer.loraB.upload([Float](repeating: -7, count: layer.loraB.count))
        }
        try second.resume(from: checkpoint)
        #expect(second.step == 2)
        for _ in 0..<2 { _ = try second.runStep() }
        #expect(try weights(second.model) == weights(straight.model))

        var other = config
        other.learningRate = 1
        let mismatched = try Trainer(model: Self.model(on: device, folder: folder), data: data, config: other)
        #expect { try mismatched.resume(from: checkpoint) } throws: { "\($0)".contains("other training settings") }
    }

    /// Tolerance 10⁻⁴·(|w| + 10⁻³): three AdamW steps, each moving a weight by at most about lr,
    /// from gradients that agree to float32 rounding.
    @Test("host and OpenCL agree after several optimizer steps", arguments: TestDevices.openCL)
    func hostMatchesOpenCL(info: DeviceInfo) throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TokenWindows(tokens: Self.text, length: 16, heldOutFraction: 0.1, source: "text")
        var weights: [[Float]] = []
        for device in [try TestDevices.host, try TestDevices.open(info)] {
            let trainer = try Trainer(model: Self.model(on: device, folder: folder), data: data, config: Self.config(steps: 3))
            for _ in 0..<3 { _ = try trainer.runStep() }
            weights.append(try trainer.model.loraLayers.flatMap { try $0.layer.loraA.download(as: Float.self) + $0.layer.loraB.download(as: Float.self) })
        }
        let worst = zip(weights[0], weights[1]).map { abs($0 - $1) / (abs($0) + 1e-3) }.max()!
        #expect(worst <= 1e-4, "largest relative difference \(worst)")
    }

    @Test("two micro-batches of one equal one batch of two")
    func accumulation() throws {
        let device = try TestDevices.host
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TokenWindows(tokens: Self.text, length: 16, heldOutFraction: 0.1, source: "text")
        var results: [[Float]] = []
        for (batch, accumulation) in [(2, 1), (1, 2)] {
            var config = Self.config(steps: 2, batch: batch, accumulation: accumulation)
            config.warmupSteps = 0
            let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device,
                                       lora: LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"]), seed: 3)
            let trainer = try Trainer(model: model, data: data, config: config)
            _ = try trainer.runStep()
            results.append(try model.loraLayers.flatMap { try $0.layer.loraB.download(as: Float.self) })
        }
        #expect(zip(results[0], results[1]).allSatisfy { abs($0 - $1) <= 1e-5 * (abs($0) + 1e-3) })
    }
}

@Suite("Training data and metrics files")
struct TrainingFilesTests {
    @Test("token files round-trip (2- and 4-byte tokens); text is bytes for byte-level models; bad files are errors")
    func tokenFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for tokens: [Int32] in [[0, 5, 65535, 17], [0, 70000, 3]] {
            let url = folder.appendingPathComponent("t\(tokens.count).tokens")
            try TokenFile.write(tokens, to: url)
            #expect(try TokenFile.load(url, vocabularySize: 100_000, byteLevel: false) == tokens)
            #expect(try Data(contentsOf: url).count == 24 + tokens.count * (tokens.max()! > 65535 ? 4 : 2))
        }
        let text = folder.appendingPathComponent("a.txt")
        try Data("hé".utf8).write(to: text)
        #expect(try TokenFile.load(text, vocabularySize: 256, byteLevel: true) == [104, 195, 169])
        #expect { try TokenFile.load(text, vocabularySize: 32000, byteLevel: false) } throws: { "\($0)".contains("not a LoRAKit token file") }
        let big = folder.appendingPathComponent("big.tokens")
        try TokenFile.write([1, 300], to: big)
        #expect { try TokenFile.load(big, vocabularySize: 256, byteLevel: true) } throws: { "\($0)".contains("token 300 at position 1 is outside") }
        var truncated = try Data(contentsOf: big)
        truncated.removeLast()
        try truncated.write(to: big)
        #expect { try TokenFile.load(big, vocabularySize: 1000, byteLevel: false) } throws: { "\($0)".contains("header says 2 tokens of 2 bytes") }
    }

    @Test("metrics.csv round-trips through a resume; the SVG has labelled axes, ticks, a legend and both curves from step 0")
    func metrics() throws {
        var log = TrainingLog()
        log.heldOutBeforeTraining = 3.4
        log.append(.init(step: 1, loss: 3, learningRate: 0.1, gradientNorm: 2, tokensPerSecond: 100, heldOutLoss: nil))
        log.append(.init(step: 2, loss: 2.5, learningRate: 0.05, gradientNorm: 1, tokensPerSecond: 110, heldOutLoss: 2.7))
        log.append(.init(step: 3, loss: 2, learningRate: 0.01, gradientNorm: 1, tokensPerSecond: 120, heldOutLoss: 2.2))
        let resumed = TrainingLog(csv: log.csv, through: 2)
        #expect(resumed.rows.map(\.step) == [1, 2] && resumed.rows[1].heldOutLoss == 2.7 && resumed.rows[0].heldOutLoss == nil)
        #expect(resumed.heldOutBeforeTraining == 3.4)
        let svg = log.svg
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        for text in [">step<", ">loss (nats per token)<", ">training loss<", ">held-out loss<", ">0<", ">3<", ">2.0<", ">3.0<"] {
            #expect(svg.contains(text), "the SVG lacks \(text)")
        }
        // The held-out curve starts at step 0, on the y axis (x = the plot's left edge, 72).
        let heldOut = try #require(svg.components(separatedBy: "<polyline").last?.components(separatedBy: "points=\"").last)
        #expect(heldOut.hasPrefix("72.0,"), "held-out points: \(heldOut.prefix(40))")
    }
}

/// A crash between the two renames of a checkpoint save leaves no checkpoint folder; resuming
/// (or the next save) puts back the newest complete one.
@Suite("Checkpoint recovery")
struct CheckpointRecoveryTests {
    @Test("a save cut between its renames: the complete new one wins, else the old one; incomplete leftovers go")
    func recovery() throws {
        let device = try TestDevices.host
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        let parent = folder.deletingLastPathComponent().appendingPathComponent("lorakit-recovery-\(UUID().uuidString)")
        let checkpoint = parent.appendingPathComponent("checkpoint")
        defer { [folder, parent].forEach { try? FileManager.default.removeItem(at: $0) } }
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let data = try TokenWindows(tokens: TrainerTests.text, length: 16, heldOutFraction: 0, source: "text")
        let trainer = try Trainer(model: TrainerTests.model(on: device, folder: folder), data: data, config: TrainerTests.config(steps: 4))
        _ = try trainer.runStep()
        try trainer.saveCheckpoint(to: checkpoint)
        let manager = FileManager.default
        // Killed after moving the old one aside, with the new one written only in part.
        try manager.moveItem(at: checkpoint, to: parent.appendingPathComponent(".checkpoint.old-A"))
        try manager.createDirectory(at: parent.appendingPathComponent(".checkpoint.partial-B"), withIntermediateDirectories: true)
        let resumed = try Trainer(model: TrainerTests.model(on: device, folder: folder), data: data, config: TrainerTests.config(steps: 4))
        try resumed.resume(from: checkpoint)
        #expect(resumed.step == 1)
        #expect(try manager.contentsOfDirectory(atPath: parent.path) == ["checkpoint"])
        // Killed after the new one was complete: it wins over the old.
        _ = try trainer.runStep()
        try trainer.saveCheckpoint(to: parent.appendingPathComponent("new"))
        try manager.moveItem(at: checkpoint, to: parent.appendingPathComponent(".checkpoint.old-C"))
        try manager.moveItem(at: parent.appendingPathComponent("new"), to: parent.appendingPathComponent(".checkpoint.partial-D"))
        try resumed.resume(from: checkpoint)
        #expect(resumed.step == 2)
    }
}
