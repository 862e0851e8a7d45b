import Foundation
import LoRAKit
import Testing

/// Packing and padding change nothing but speed: three examples packed into one sequence (with
/// padding packed as an example of its own), and the same examples right-padded in a batch, give
/// the loss and LoRA gradients of the examples run one at a time. Tolerance: 2·10⁻⁵ relative for
/// the loss, 10⁻⁴·|g| + 10⁻⁵·max|g| per gradient element (the same float32 sums in other orders).
@Suite("Packed and padded training")
struct PackedTrainingTests {
    /// Examples cut from the fixture's ids, each with a mask of the tokens it trains on (the
    /// second one as a prompt of 3 tokens and a completion).
    static func examples() throws -> [(ids: [Int32], trained: [Bool])] {
        let ids = try LlamaTrainingTests.ids()
        return [(Array(ids[0..<5]), [Bool](repeating: true, count: 5)),
                (Array(ids[5..<12]), [false, false, false, true, true, true, true]),
                (Array(ids[12..<16]), [Bool](repeating: true, count: 4))]
    }

    /// Labels of one example: token n predicts token n + 1 when that one is trained.
    static func labels(_ example: (ids: [Int32], trained: [Bool])) -> [Int32] {
        (0..<example.ids.count).map { n in n + 1 < example.ids.count && example.trained[n + 1] ? example.ids[n + 1] : -100 }
    }

    static func gradients(_ model: LlamaModel) throws -> [[Float]] {
        try model.loraLayers.flatMap { [try $0.layer.gradA.download(as: Float.self), try $0.layer.gradB.download(as: Float.self)] }
    }

    /// (mean loss, gradients) of `batches`, each weighted by its tokens as one optimizer step would.
    static func run(_ model: LlamaModel, _ batches: [SequenceBatch]) throws -> (Double, [[Float]]) {
        try model.zeroGradients()
        let total = batches.reduce(0) { $0 + $1.predictedTokens }
        var sum = 0.0
        for batch in batches {
            let (loss, tokens) = try model.lossAndGradients(batch, step: 0, checkpointing: false, normalizer: total)
            sum += loss * Double(tokens)
        }
        return (sum / Double(total), try gradients(model))
    }

    @Test("packed, padded and one-at-a-time give the same loss and gradients", arguments: TestDevices.all)
    func packedEqualsSeparate(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaTrainingTests.model(on: device, folder: folder)
        let examples = try Self.examples()
        let separate = try examples.map { try SequenceBatch(ids: $0.ids, labels: Self.labels($0), batch: 1) }
        let padding = 2
        let packed = try SequenceBatch(ids: examples.flatMap(\.ids) + [Int32](repeating: 0, count: padding),
                                       labels: examples.flatMap(Self.labels) + [Int32](repeating: -100, count: padding), batch: 1,
                                       positions: examples.flatMap { (0..<Int32($0.ids.count)).map { $0 } } + (0..<Int32(padding)).map { $0 })
        let longest = examples.map(\.ids.count).max()!
        let padded = try SequenceBatch(ids: examples.flatMap { $0.ids + [Int32](repeating: 0, count: longest - $0.ids.count) },
                                       labels: examples.flatMap { Self.labels($0) + [Int32](repeating: -100, count: longest - $0.ids.count) },
                                       batch: examples.count)
        let (expectedLoss, expected) = try Self.run(model, separate)
        for (name, batch) in [("packed", packed), ("padded", padded)] {
            let (loss, gradients) = try Self.run(model, [batch])
            #expect(abs(loss - expectedLoss) <= 2e-5 * expectedLoss, "\(name) loss \(loss) vs \(expectedLoss) one at a time")
            for (ours, theirs) in zip(gradients, expected) {
                let largest = Double(theirs.map(abs).max()!)
                expectWithin(ours, theirs.map(Double.init), bound: theirs.map { 1e-4 * Double(abs($0)) + 1e-5 * largest }, name)
            }
            let (evaluated, _) = try model.loss(batch)
            #expect(abs(evaluated - expectedLoss) <= 2e-5 * expectedLoss, "\(name) evaluation loss \(evaluated) vs \(expectedLoss)")
        }
        // Without the positions, the same packed ids attend across examples: a different loss,
        // so the test above would notice packing that leaked attention.
        let leaky = try SequenceBatch(ids: packed.ids, labels: packed.labels, batch: 1)
        #expect(abs(try model.loss(leaky).loss - expectedLoss) > 1e-3 * expectedLoss)
    }

    @Test("a batch whose positions do not restart at 0 or count by one is refused")
    func badPositions() {
        #expect { try SequenceBatch(ids: [1, 2, 3], labels: [2, 3, -100], batch: 1, positions: [0, 2, 3]) } throws: {
            "\($0)".contains("position 2 at token 1")
        }
        #expect { try SequenceBatch(ids: [1, 2, 3, 4], labels: [2, -100, 4, -100], batch: 2, positions: [0, 1, 2, 3]) } throws: {
            "\($0)".contains("position 2 at token 2")
        }
        #expect { try SequenceBatch(ids: [1, 2, 3], labels: [2, 3], batch: 1) } throws: { "\($0)".contains("2 labels") }
    }
}
