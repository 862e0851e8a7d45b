import Foundation
import LoRAKit
import Testing

/// Llama 3.1's RoPE scaling against transformers 5.23 (`Fixtures/make_llama3_rope_fixture.py`: the
/// tiny Llama with rope_type llama3 over 100 positions, past its original context of 64). The
/// frequencies must be transformers' within 2 ulps (float32 pow); the logits within
/// 2·10⁻⁴·(1 + |logit|), the bound of the default-RoPE logits test.
@Suite("RoPE scaling (llama3)")
struct RopeScalingTests {
    static let fixture = Fixtures.url("tiny-llama3-rope")

    /// The fixture's config beside the tiny Llama's float32 weights.
    static func checkpoint() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-llama3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: Fixtures.url("tiny-llama-bnb4/original.safetensors"), to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    @Test("the config parses and the frequencies are transformers'")
    func frequencies() throws {
        let config = try ModelConfig.load(from: Self.fixture)
        #expect(config.llama3RopeScaling == Llama3RopeScaling(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 64))
        let reference = try SafeTensorsFile(contentsOf: Self.fixture.appendingPathComponent("reference.safetensors")).floats("inv_freq")
        let ours = config.ropeInverseFrequencies
        #expect(ours.count == reference.count)
        for (a, b) in zip(ours, reference) {
            #expect(abs(a - b) <= 2 * b.ulp, "inv_freq \(a) vs transformers \(b)")
        }
        // All three bands occur: kept (i = 0), interpolated (1, 2), divided by the factor (3...).
        let plain = RotaryFrequencies.inverseFrequencies(theta: 10_000, headDimension: 16)
        #expect(ours[0] == plain[0] && ours[1] != plain[1] && ours[1] != plain[1] / 8 && ours[5] == plain[5] / 8)
    }

    @Test("logits match transformers past the original context", arguments: TestDevices.all)
    func logits(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try Self.checkpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = try SafeTensorsFile(contentsOf: Self.fixture.appendingPathComponent("reference.safetensors"))
        let ids: [Int32] = try reference.bytes("input_ids").withUnsafeBytes { raw in
            (0..<100).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        }
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device)
        let expected = try reference.floats("logits").map(Double.init)
        expectWithin(try model.logits(ids: ids, batch: 1).download(), expected, bound: expected.map { 2e-4 * (1 + abs($0)) }, "logits")
        // The key/value cache rotates with the same frequencies.
        let cache = try KeyValueCache(for: model, capacity: 100)
        var cached: [Float] = try model.decode(Array(ids.prefix(60)), cache: cache).download()
        cached += try model.decode(Array(ids.suffix(40)), cache: cache).download(as: Float.self)
        expectWithin(cached, expected, bound: expected.map { 2e-4 * (1 + abs($0)) }, "cached logits")
    }
}
