import Foundation
import LoRAKit
import Testing

/// The bucketed all-reduce without mpirun: with a single process (whose sums are its own values)
/// and with `MirroredRanks` (a sum is the values × 2, written only when the sum finishes).
@Suite("Gradient reducer")
struct GradientReducerTests {
    /// Three gradients of 5, 3 and 8 floats, each its own stage, and their values.
    static func stages(on device: any Device) throws -> (stages: [[TrainableParameter]], values: [[Float]]) {
        var random = SeededValues(seed: 4)
        let values = [5, 3, 8].map { random.floats($0) }
        let stages = try values.enumerated().map { index, floats in
            [TrainableParameter(name: "t\(index)", value: try device.makeBuffer(floats, label: "value"),
                                gradient: try device.makeBuffer(floats, label: "gradient \(index)"), decays: true)]
        }
        return (stages, values)
    }

    static func settings(bucketFloats: Int, overlap: Bool = true) -> GradientReductionSettings {
        var settings = GradientReductionSettings()
        (settings.bucketBytes, settings.overlap) = (bucketFloats * 4, overlap)
        return settings
    }

    static func gradients(_ stages: [[TrainableParameter]]) throws -> [[Float]] {
        try stages.flatMap { try $0.map { try $0.gradient.download(as: Float.self) } }
    }

    /// Buckets 2 and 3 start together, before the test that frees bucket 1's buffer: two buffers.
    @Test("a single process: every bucket lands as it was, each found done by the test after it starts")
    func singleProcess() throws {
        let (stages, values) = try Self.stages(on: TestDevices.host)
        let reducer = GradientReducer(stages: stages, communicator: SingleProcess(), settings: Self.settings(bucketFloats: 4))
        reducer.begin()
        for stage in stages { try reducer.gradientsReady(stage) }
        let report = try reducer.finish()
        #expect(try Self.gradients(stages) == values)
        #expect(report.buckets == 4 && report.finishedUnderBackward == 4 && reducer.hostBuffers == 2)
    }

    /// Buckets [t0 0..<4], [t0 4..<5, t1], [t2 0..<4], [t2 4..<8]; a sum finishes at its second test.
    @Test("each bucket starts once its tensors are final, in order, and lands summed; at most 2 host buffers")
    func overlapped() throws {
        let (stages, values) = try Self.stages(on: TestDevices.host)
        let ranks = MirroredRanks(testsToFinish: 2)
        let reducer = GradientReducer(stages: stages, communicator: ranks, settings: Self.settings(bucketFloats: 4))
        reducer.begin()
        try reducer.gradientsReady(stages[0])
        let unsummed = try Self.gradients(stages)
        #expect(ranks.started == [4] && unsummed == values, "bucket 0 started, not yet summed")
        try reducer.gradientsReady(stages[1])
        #expect(ranks.started == [4, 4])
        let first = try stages[0][0].gradient.download(as: Float.self)
        #expect(first == values[0].prefix(4).map { $0 * 2 } + [values[0][4]], "bucket 0 summed and back at its second test")
        try reducer.gradientsReady(stages[2])
        #expect(ranks.started == [4, 4, 4, 4] && reducer.hostBuffers == 2, "bucket 3 waited for bucket 1's buffer")
        let report = try reducer.finish()
        #expect(try Self.gradients(stages) == values.map { $0.map { $0 * 2 } })
        #expect(report.buckets == 4 && report.finishedUnderBackward == 1)
    }

    @Test("a gradient the reducer does not know is an error")
    func unknownGradient() throws {
        let (stages, _) = try Self.stages(on: TestDevices.host)
        let reducer = GradientReducer(stages: Array(stages.prefix(2)), communicator: SingleProcess(), settings: Self.settings(bucketFloats: 4))
        reducer.begin()
        #expect { try reducer.gradientsReady(stages[2]) } throws: { "\($0)".contains("t2's gradient is not among those") }
    }

    @Test("without overlap, everything is summed in finish, through one host buffer")
    func afterBackward() throws {
        let (stages, values) = try Self.stages(on: TestDevices.host)
        let ranks = MirroredRanks(testsToFinish: 1)
        let reducer = GradientReducer(stages: stages, communicator: ranks, settings: Self.settings(bucketFloats: 4, overlap: false))
        for _ in 0..<2 {   // buffers are reused from step to step
            reducer.begin()
            _ = try reducer.finish()
        }
        #expect(try Self.gradients(stages) == values.map { $0.map { $0 * 4 } })
        #expect(ranks.started == Array(repeating: 4, count: 8) && reducer.hostBuffers == 1)
    }

    /// Two mirrored ranks with --accum 2, LoRA and full-parameter: the sums are the same values
    /// whenever they are taken, so every way of taking them trains the same bits. A sum landed
    /// before its gradients were final (after the first micro-batch, or before a layer's
    /// backward) would change them.
    @Test("overlapped, after the backward pass, one bucket or many: the same training, bit for bit")
    func trainerEquality() throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try TokenWindows(tokens: TrainerTests.text, length: 16, heldOutFraction: 0, source: "text")
        var config = TrainerTests.config(steps: 2, batch: 1, accumulation: 2)
        config.checkpointing = false
        for full in [false, true] {
            var results: [[[Float]]] = []
            for (floats, overlap) in [(1 << 30, false), (100, true), (100, false), (1 << 30, true)] {
                let model = full ? try FullParameterTrainingTests.fullModel(on: TestDevices.host, folder: folder)
                                 : try TrainerTests.model(on: TestDevices.host, folder: folder)
                let trainer = try Trainer(model: model, data: data, config: config, communicator: MirroredRanks(testsToFinish: 2),
                                          reduction: Self.settings(bucketFloats: floats, overlap: overlap))
                for _ in 0..<2 { #expect(try trainer.runStep().gradientReduction.buckets == trainer.reducedBuckets) }
                results.append(try model.trainableParameters.map { try $0.value.download(as: Float.self) })
            }
            #expect(results.dropFirst().allSatisfy { $0 == results[0] }, "full \(full)")
        }
    }
}
