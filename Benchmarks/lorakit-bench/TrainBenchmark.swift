import ArgumentParser
import Foundation
import LoRAKit

/// Training throughput of a Llama-architecture model with random weights: tokens per second of
/// LoRA fine-tuning steps (forward + backward + AdamW) per device, float32 and NF4 bases, with
/// the peak device memory. Configurations: `tiny` (the test fixture's shape, 0.1 M parameters)
/// and `100m` (hidden 768, 12 layers, intermediate 2048, 12 heads over 4 key/value heads,
/// byte vocabulary: 76 M parameters).
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "LoRA training tokens/s per device for a tiny and a ~100M-parameter Llama (random weights).")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("model"), help: "tiny or 100m (repeatable). Default: both.") var models: [String] = ["tiny", "100m"]
    @Option(help: "Tokens per sequence.") var seqLen = 256
    @Option(help: "Sequences per step.") var batch = 1
    @Option(help: "Timed optimizer steps after one warm-up step.") var steps = 3

    /// hidden, intermediate, layers, heads, key/value heads.
    static let shapes: [String: [Int]] = ["tiny": [64, 96, 2, 4, 2], "100m": [768, 2048, 12, 12, 4]]

    /// Writes a random float32 checkpoint of shape `name` into a temporary folder.
    static func randomCheckpoint(_ name: String) throws -> URL {
        let shape = shapes[name]!
        let config: [String: Any] = ["model_type": "llama", "vocab_size": 256, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
                                     "tie_word_embeddings": false, "hidden_size": shape[0], "intermediate_size": shape[1],
                                     "num_hidden_layers": shape[2], "num_attention_heads": shape[3], "num_key_value_heads": shape[4]]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        let parsed = try ModelConfig.load(from: folder)
        var writer = SafeTensorsWriter()
        var state: UInt64 = 1
        for (tensor, shape) in parsed.expectedTensors {
            let count = shape.reduce(1, *)
            let values: [Float] = tensor.hasSuffix("norm.weight") ? [Float](repeating: 1, count: count) : (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.04
            }
            try writer.add(.init(name: tensor, shape: shape, floats: values))
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    func run() throws {
        var table = TextTable(header: ["device", "model", "parameters", "base", "seq×batch", "step s", "tokens/s", "peak memory"],
                              rightAligned: [2, 5, 6, 7])
        for name in models {
            guard Self.shapes[name] != nil else { throw ValidationError("--model is tiny or 100m, not \(name)") }
            let folder = try Self.randomCheckpoint(name)
            defer { try? FileManager.default.removeItem(at: folder) }
            let checkpoint = try ModelCheckpoint(folder: folder)
            let parameters = checkpoint.config.expectedTensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
            let infos = options.devices.isEmpty ? Devices.available : try options.devices.map { try Devices.resolve($0) }
            for info in infos {
                for nf4 in [false, true] {
                    let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
                    let llama = try LlamaModel(checkpoint: checkpoint, device: device,
                                               lora: LoRAConfig(rank: 16, alpha: 32, dropout: 0.05, targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"]),
                                               seed: 1, quantizeToNF4: nf4)
                    let count = seqLen * batch * (steps + 2)
                    let tokens: [Int32] = (0..<count).map { (index: Int) -> Int32 in Int32((index * 7 + index / 13) % 256) }
                    let windows = try TokenWindows(tokens: tokens, length: seqLen, heldOutFraction: 0, source: "synthetic")
                    var config = TrainingConfig()
                    (config.steps, config.batch) = (steps + 1, batch)
                    let trainer = try Trainer(model: llama, data: windows, config: config)
                    _ = try trainer.runStep()   // warm-up: kernel builds, first allocations
                    let start = Measurement.now()
                    var trained = 0
                    for _ in 0..<steps { trained += try trainer.runStep().tokens + batch }   // + batch: the unpredicted first tokens
                    try device.synchronize()
                    let seconds = (Measurement.now() - start) / Double(steps)
                    let perSecond = Double(trained) / (seconds * Double(steps))
                    let peak = device.memoryUsage.peakBytes
                    let size = String(format: "%.1f M", Double(parameters) / 1e6)
                    let row: [String] = [info.identifier, name, size, nf4 ? "NF4" : "float32", "\(seqLen)×\(batch)",
                                         String(format: "%.3f", seconds), String(format: "%.0f", perSecond), ByteCount.format(peak)]
                    if options.json {
                        let json = "{\"suite\":\"train\",\"device\":\"\(info.identifier)\",\"model\":\"\(name)\",\"parameters\":\(parameters),"
                            + "\"base\":\"\(nf4 ? "nf4" : "float32")\",\"seq_len\":\(seqLen),\"batch\":\(batch),\"step_s\":\(seconds),"
                            + "\"tokens_per_s\":\(perSecond),\"peak_bytes\":\(peak)}"
                        FileHandle.standardOutput.write(Data((json + "\n").utf8))
                    } else {
                        table.append(row)
                    }
                }
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nLoRA r=16 on q/k/v/o, dropout 0.05, AdamW; tokens/s counts every token of the sequences; random weights.")
        }
    }
}
