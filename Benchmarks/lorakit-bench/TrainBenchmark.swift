import ArgumentParser
import Foundation
import LoRAKit

/// Training throughput of a Llama-architecture model with random weights: tokens per second of
/// training steps (forward + backward + AdamW) per device, with the peak device memory, for LoRA
/// over a float32 base, QLoRA over an NF4 base and (with --full) full-parameter training.
/// Configurations: `tiny` (the test fixture's shape, 0.1 M parameters), `bundled` (the shape of
/// the bundled base Bundled/kjv-llama-3m, 3.0 M) and `100m` (hidden 768, 12 layers, intermediate
/// 2048, 12 heads over 4 key/value heads, byte vocabulary: 76 M parameters).
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s per device for a tiny, the bundled and a ~100M-parameter Llama (random weights).")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("model"), help: "tiny, bundled or 100m (repeatable). Default: all three.") var models: [String] = ["tiny", "bundled", "100m"]
    @Option(help: "Tokens per sequence.") var seqLen = 256
    @Option(help: "Sequences per step.") var batch = 1
    @Option(help: "Timed optimizer steps after one warm-up step.") var steps = 3
    @Flag(help: "Also measure full-parameter training (every weight, float32).") var full = false

    /// hidden, intermediate, layers, heads, key/value heads.
    static let shapes: [String: [Int]] = ["tiny": [64, 96, 2, 4, 2], "bundled": [256, 688, 4, 8, 4], "100m": [768, 2048, 12, 12, 4]]

    /// Writes a random float32 checkpoint of shape `name` into a temporary folder.
    static func randomCheckpoint(_ name: String) throws -> URL {
        let shape = shapes[name]!
        var random = RandomCheckpoint()
        (random.hiddenSize, random.intermediateSize, random.layerCount, random.attentionHeads, random.keyValueHeads)
            = (shape[0], shape[1], shape[2], shape[3], shape[4])
        random.maxPositionEmbeddings = 4096
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bench-\(name)-\(UUID().uuidString)")
        try random.write(to: folder, seed: 1)
        return folder
    }

    enum Mode: CaseIterable {
        case lora, qlora, full
        var label: String { self == .lora ? "LoRA, float32 base" : self == .qlora ? "QLoRA, NF4 base" : "full, float32" }
        var key: String { self == .lora ? "lora" : self == .qlora ? "qlora" : "full" }
    }

    func run() throws {
        var table = TextTable(header: ["device", "model", "parameters", "training", "seq×batch", "step s", "tokens/s", "peak memory"],
                              rightAligned: [2, 5, 6, 7])
        for name in models {
            guard Self.shapes[name] != nil else { throw ValidationError("--model is tiny, bundled or 100m, not \(name)") }
            let folder = try Self.randomCheckpoint(name)
            defer { try? FileManager.default.removeItem(at: folder) }
            let checkpoint = try ModelCheckpoint(folder: folder)
            let parameters = checkpoint.config.parameterCount
            let infos = options.devices.isEmpty ? Devices.available : try options.devices.map { try Devices.resolve($0) }
            for info in infos {
                for mode in Mode.allCases where mode != .full || full {
                    let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
                    let lora = LoRAConfig(rank: 16, alpha: 32, dropout: 0.05, targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"])
                    let llama = try LlamaModel(checkpoint: checkpoint, device: device, lora: mode == .full ? nil : lora,
                                               seed: 1, quantizeToNF4: mode == .qlora, fullParameter: mode == .full)
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
                    let row: [String] = [info.identifier, name, size, mode.label, "\(seqLen)×\(batch)",
                                         String(format: "%.3f", seconds), String(format: "%.0f", perSecond), ByteCount.format(peak)]
                    if options.json {
                        let json = "{\"suite\":\"train\",\"device\":\"\(info.identifier)\",\"model\":\"\(name)\",\"parameters\":\(parameters),"
                            + "\"training\":\"\(mode.key)\",\"seq_len\":\(seqLen),\"batch\":\(batch),\"step_s\":\(seconds),"
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
