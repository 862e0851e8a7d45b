import Foundation
import LoRAKit
import Testing

/// Incremental decoding through a key/value cache, and the device verbs it added: rectangular
/// causal softmax (bound 16·u relative plus the row's C terms), RoPE from a position offset (exactly
/// the rows of a longer sequence: same float32 angles) and range copies. Cached logits must equal
/// the full forward's within 10⁻⁴·(1 + |logit|) (the products are summed in other shapes).
@Suite("Key/value cache")
struct KeyValueCacheTests {
    @Test("rectangular causal softmax, RoPE with a position offset, range copies", arguments: TestDevices.all)
    func verbs(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var values = SeededValues(seed: 31)
        let (groups, rows, columns) = (3, 4, 11)
        let scores = values.floats(groups * rows * columns).map { $0 * 4 }
        let out = try device.makeBuffer(.float32, count: scores.count, label: "p")
        try device.causalSoftmax(device.makeBuffer(scores, label: "s"), groups: groups, rows: rows, columns: columns, scale: 0.7, into: out)
        var expected: [Double] = []
        for row in 0..<(groups * rows) {
            let last = row % rows + columns - rows
            let s = (0..<columns).map { 0.7 * Double(scores[row * columns + $0]) }
            let top = s[0...last].max()!
            let total = s[0...last].reduce(0) { $0 + exp($1 - top) }
            expected += (0..<columns).map { $0 <= last ? exp(s[$0] - top) / total : 0 }
        }
        expectWithin(try out.download(), expected, bound: expected.map { Double(columns + 16) * float32Roundoff * $0 + 1e-30 }, "softmax")
        #expect { try device.causalSoftmax(out, groups: 1, rows: 12, columns: 11, scale: 1, into: out) } throws: { "\($0)".contains("at most columns") }

        // RoPE on rows 5..<9 with offset 5 equals those rows of RoPE over 9 positions.
        let (heads, d) = (2, 6)
        let x = values.floats(9 * heads * d)
        let whole = try device.makeBuffer(x, label: "whole")
        try device.rope(whole, rows: 9, heads: heads, headDimension: d, sequenceLength: 9, theta: 10_000, inverse: false)
        let tail = try device.makeBuffer(Array(x[(5 * heads * d)...]), label: "tail")
        try device.rope(tail, rows: 4, heads: heads, headDimension: d, sequenceLength: 4, theta: 10_000, inverse: false, positionOffset: 5)
        #expect(try tail.download(as: Float.self) == Array(try whole.download(as: Float.self)[(5 * heads * d)...]))
        let threeFrequencies = try device.makeBuffer([Float](repeating: 1, count: 3), label: "freq")
        #expect { try device.rope(tail, rows: 4, heads: heads, headDimension: d, sequenceLength: 4, inverseFrequencies: threeFrequencies,
                                  inverse: false, positionOffset: -1) } throws: { "\($0)".contains("position offset -1 must be non-negative") }
        #expect { try device.rope(tail, rows: 4, heads: heads, headDimension: d, sequenceLength: 4,
                                  inverseFrequencies: device.makeBuffer([Float](repeating: 1, count: 2), label: "two"),
                                  inverse: false, positionOffset: 0) } throws: { "\($0)".contains("inverseFrequencies") && "\($0)".contains("not 3") }

        let source = try device.makeBuffer((0..<10).map(Float.init), label: "source")
        let target = try device.makeBuffer([Float](repeating: -1, count: 8), label: "target")
        try device.copy(from: source, range: 3..<7, to: target, at: 2)
        #expect(try target.download(as: Float.self) == [-1, -1, 3, 4, 5, 6, -1, -1])
        #expect { try device.copy(from: source, range: 3..<9, to: target, at: 3) } throws: { "\($0)".contains("do not fit") }
        #expect { try device.copy(from: source, range: 0..<2, to: source, at: 5) } throws: { "\($0)".contains("same") }
    }

    @Test("decoding through the cache gives the full forward's logits (LoRA model, prefill then one token at a time)",
          arguments: TestDevices.all)
    func cachedLogits(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaTrainingTests.model(on: device, folder: folder)
        let ids = Array(try LlamaTrainingTests.ids().prefix(9))
        let full: [Float] = try model.logits(ids: ids, batch: 1).download()
        let cache = try KeyValueCache(for: model, capacity: 9)
        var cached: [Float] = try model.decode(Array(ids.prefix(4)), cache: cache).download()
        for id in ids.dropFirst(4) { cached += try model.decode([id], cache: cache).download(as: Float.self) }
        #expect(cache.length == 9)
        expectWithin(cached, full.map(Double.init), bound: full.map { 1e-4 * (1 + abs(Double($0))) }, "cached logits")
        #expect { try model.decode([1], cache: cache) } throws: { "\($0)".contains("do not fit") }
        #expect { try KeyValueCache(for: model, capacity: 129) } throws: { "\($0)".contains("max_position_embeddings 128") }
        #expect { try KeyValueCache(for: model, capacity: 0) } throws: { "\($0)".contains("between 1 and") }
        cache.reset()
        #expect { try model.decode([300], cache: cache) } throws: { "\($0)".contains("outside the vocabulary") }
    }

    @Test("greedy generation restarts from the last half of the text when the cache is full")
    func generationPastTheContext() throws {
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configURL = folder.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["max_position_embeddings"] = 8
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: TestDevices.host)
        var generator = try TextGenerator(model: model)
        generator.temperature = 0
        let prompt = Array("the".utf8).map(Int32.init)
        let generated = try generator.continuation(of: prompt, count: 14)
        // The reference reruns the whole visible text for every token.
        var tokens = prompt, start = 0
        for _ in 0..<14 {
            let context = Array(tokens[start...])
            let logits: [Float] = try model.logits(ids: context, batch: 1).download(range: ((context.count - 1) * 256)..<(context.count * 256))
            tokens.append(Int32(logits.indices.max { logits[$0] < logits[$1] }!))
            if tokens.count - 1 - start == 8 { start = tokens.count - 4 }
        }
        #expect(generated == tokens)
    }
}
