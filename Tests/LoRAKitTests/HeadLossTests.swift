import Foundation
import LoRAKit
import Testing

/// The LM head and cross-entropy in blocks of rows (`LlamaModel.lossBlockRows`) against the whole
/// batch at once: 18 positions in blocks of 5 ([0, 5), [5, 10), [10, 15), [15, 18)) and of 1
/// (the ignored last positions skipped). Each position's logits are the same products either
/// way; only the full-parameter LM head's weight gradient sums its positions in another order.
/// Tolerances: 10⁻⁶ relative on the loss, 10⁻⁵ of a tensor's largest gradient per element.
@Suite("LM head in blocks of rows")
struct HeadLossTests {
    static func gradients(_ model: LlamaModel) throws -> [[Float]] {
        try model.trainableParameters.map { try $0.gradient.download(as: Float.self) }
    }

    static func compare(_ model: LlamaModel, blockRows: [Int]) throws {
        let ids = try LlamaTrainingTests.ids()
        model.lossBlockRows = 1 << 20
        try model.zeroGradients()
        let (whole, tokens) = try model.lossAndGradients(ids: ids, batch: 2, step: 0)
        let wholeGradients = try gradients(model)
        let (wholeEval, _) = try model.loss(ids: ids, batch: 2)
        for rows in blockRows {
            model.lossBlockRows = rows
            try model.zeroGradients()
            let (blocked, blockedTokens) = try model.lossAndGradients(ids: ids, batch: 2, step: 0)
            #expect(blockedTokens == tokens)
            #expect(abs(blocked - whole) <= 1e-6 * whole, "blocks of \(rows): loss \(blocked) vs \(whole)")
            let (blockedEval, _) = try model.loss(ids: ids, batch: 2)
            #expect(abs(blockedEval - wholeEval) <= 1e-6 * wholeEval, "blocks of \(rows): eval loss \(blockedEval) vs \(wholeEval)")
            for (index, (ours, reference)) in zip(try gradients(model), wholeGradients).enumerated() {
                let largest = reference.map(abs).max() ?? 0
                expectWithin(ours, reference.map(Double.init), bound: reference.map { _ in 1e-5 * Double(largest) + 1e-30 },
                             "blocks of \(rows): gradient \(model.trainableParameters[index].name)")
            }
        }
    }

    @Test("LoRA: the same loss and gradients in blocks of 5 and 1 rows", arguments: TestDevices.all)
    func lora(info: DeviceInfo) throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.compare(LlamaTrainingTests.model(on: TestDevices.open(info), folder: folder), blockRows: [5, 1])
    }

    @Test("full-parameter: the LM head's weight gradient sums over blocks", arguments: TestDevices.all)
    func fullParameter(info: DeviceInfo) throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.compare(FullParameterTrainingTests.fullModel(on: TestDevices.open(info), folder: folder), blockRows: [5])
    }
}
