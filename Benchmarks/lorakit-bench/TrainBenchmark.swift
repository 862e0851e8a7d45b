import ArgumentParser
import Foundation
import LoRAKit

/// Training throughput of a Llama-architecture model with random weights: tokens per second of
/// training steps (forward + backward + AdamW) per device, with the peak device memory, for LoRA
/// over a float32 base, QLoRA over an NF4 base, (with --bf16) LoRA over a bfloat16 copy of the
/// base and (with --full) full-parameter training.
/// Configurations: `tiny` (the test fixture's shape, 0.1 M parameters), `bundled` (the shape of
/// the bundled base Bundled/kjv-llama-3m, 3.0 M), `100m` (hidden 768, 12 layers, intermediate
/// 2048, 12 heads over 4 key/value heads, byte vocabulary: 76 M parameters) and `small32k`
/// (hidden 512, 8 layers, intermediate 1376, 8 heads over 2 key/value heads, a 32000-token
/// vocabulary with an untied head: 59 M parameters, a third of them in the embedding and head).
/// `Benchmarks/peer/train-vs-peft` runs PyTorch + PEFT on the same shapes side by side.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s per device for a tiny, the bundled and a ~100M-parameter Llama (random weights).")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("model"), help: "tiny, bundled, 100m or small32k (repeatable). Default: the first three.")
    var models: [String] = ["tiny", "bundled", "100m"]
    @Option(help: "Tokens per sequence.") var seqLen = 256
    @Option(help: "Sequences per step.") var batch = 1
    @Option(help: "Timed optimizer steps after one warm-up step.") var steps = 3
    @Flag(help: "Also measure full-parameter training (every weight, float32).") var full = false
    @Flag(help: "Only LoRA over a float32 base (no QLoRA row).") var loraOnly = false
    @Flag(help: "Also measure LoRA over the same weights stored as BF16 (embedding, head and Linear weights stay bfloat16).")
    var bf16 = false
    @Option(help: "LoRA rank.") var rank = 16
    @Option(help: "LoRA alpha.") var alpha: Float = 32
    @Option(help: "LoRA dropout.") var dropout: Float = 0.05
    @Option(help: "Comma-separated LoRA target modules.") var targets = "q_proj,k_proj,v_proj,o_proj"
    @Option(help: "Gradient checkpointing (auto: the library's default, on from 512 tokens).") var checkpointing: Checkpointing = .auto
    @Flag(help: "Serve steps on request: after the warm-up, print a ready line, then run one timed step per \"step\" line on standard input and print its time (JSON), until end of input. One model and device, LoRA over float32 only (the peer benchmark's paired mode).")
    var serve = false
    @Option(help: "MiB of attention scores held at once (default: the library's, 256 MiB); a smaller budget walks heads in chunks and recomputes P in backward.")
    var attentionBudgetMib: Int?
    @Flag(help: "Compose attention from GEMMs and the causal softmax even where the device fuses it (the host). Also set by LORAKIT_BENCH_COMPOSED_ATTENTION=1, for ab-lorakit's --a-env/--b-env.")
    var composedAttention = false

    enum Checkpointing: String, ExpressibleByArgument, CaseIterable {
        case on, off, auto
        var choice: Bool? { self == .auto ? nil : self == .on }
    }

    /// The benchmark shapes, as `lorakit plan --shape` knows them (`ModelShape`).
    static let shapeNames = ["tiny", "bundled", "100m", "small32k"]

    /// Writes a random float32 checkpoint of shape `name` into a temporary folder.
    static func randomCheckpoint(_ name: String) throws -> URL {
        let config = try ModelShape.named(name).config
        var random = RandomCheckpoint()
        (random.hiddenSize, random.intermediateSize, random.layerCount, random.attentionHeads, random.keyValueHeads)
            = (config.hiddenSize, config.intermediateSize, config.layerCount, config.attentionHeads, config.keyValueHeads)
        (random.vocabularySize, random.maxPositionEmbeddings) = (config.vocabularySize, config.maxPositionEmbeddings)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bench-\(name)-\(UUID().uuidString)")
        try random.write(to: folder, seed: 1)
        return folder
    }

    /// A BF16 copy of the checkpoint in `folder` (every tensor rounded to nearest even), beside it.
    static func bfloat16Copy(of folder: URL) throws -> URL {
        let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let copy = folder.appendingPathExtension("bf16")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for tensor in weights.tensors {
            let rounded = try weights.floats(tensor.name).map { BFloat16($0) }
            try writer.add(.init(name: tensor.name, dtype: .bf16, shape: tensor.shape, bytes: rounded.withUnsafeBufferPointer { Data(buffer: $0) }))
        }
        try writer.write(to: copy.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: folder.appendingPathComponent("config.json"), to: copy.appendingPathComponent("config.json"))
        return copy
    }

    enum Mode: CaseIterable {
        case lora, bf16, qlora, full
        var label: String {
            switch self {
            case .lora: return "LoRA, float32 base"
            case .bf16: return "LoRA, bfloat16 base"
            case .qlora: return "QLoRA, NF4 base"
            case .full: return "full, float32"
            }
        }
        var key: String { self == .lora ? "lora" : self == .bf16 ? "lora_bf16" : self == .qlora ? "qlora" : "full" }
    }

    func run() throws {
        if serve { return try serveSteps() }
        var table = TextTable(header: ["device", "model", "parameters", "training", "seq×batch", "step s", "tokens/s", "peak memory",
                                       "per step: new buffers, drains, reads, launches, GEMMs"],
                              rightAligned: [2, 5, 6, 7])
        for name in models {
            guard Self.shapeNames.contains(name) else { throw ValidationError("--model is tiny, bundled, 100m or small32k, not \(name)") }
            let folder = try Self.randomCheckpoint(name)
            let brain = try bf16 ? Self.bfloat16Copy(of: folder) : nil
            defer { [folder, brain].compactMap { $0 }.forEach { try? FileManager.default.removeItem(at: $0) } }
            let checkpoint = try ModelCheckpoint(folder: folder)
            let infos = options.devices.isEmpty ? Devices.available : try options.devices.map { try Devices.resolve($0) }
            for info in infos {
                for mode in Mode.allCases where (mode != .full || full) && (mode != .qlora || !loraOnly) && (mode != .bf16 || bf16) {
                    let result = try measure(mode, on: info, checkpoint: mode == .bf16 ? ModelCheckpoint(folder: brain!) : checkpoint)
                    if options.json {
                        FileHandle.standardOutput.write(Data((record(result, mode, info, name, checkpoint) + "\n").utf8))
                    } else {
                        table.append(row(result, mode, info, name, checkpoint))
                    }
                }
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nLoRA r=\(rank) alpha \(alpha) on \(targets), dropout \(dropout), AdamW; tokens/s counts every token of the sequences; random weights.")
        }
    }

    /// What one timed run measured.
    struct Result {
        var stepSeconds: Double
        var tokensPerSecond: Double
        var peakBytes: Int
        /// The device's operation counts over the timed steps.
        var counts: OperationCounts
    }

    /// One warm-up step, then `steps` timed training steps of `mode` on a fresh instance of `info`.
    private func measure(_ mode: Mode, on info: DeviceInfo, checkpoint: ModelCheckpoint) throws -> Result {
        let (device, trainer) = try warmedUpTrainer(mode, on: info, checkpoint: checkpoint)
        let countsBefore = device.operationCounts
        let start = Measurement.now()
        var trained = 0
        for _ in 0..<steps { trained += try trainer.runStep().tokens + batch }   // + batch: the unpredicted first tokens
        try device.synchronize()
        let seconds = (Measurement.now() - start) / Double(steps)
        return Result(stepSeconds: seconds, tokensPerSecond: Double(trained) / (seconds * Double(steps)),
                      peakBytes: device.memoryUsage.peakBytes, counts: device.operationCounts.since(countsBefore))
    }

    /// A trainer of `mode` on a fresh instance of `info` that has taken its warm-up step (kernel
    /// builds, first allocations). Its data holds `steps` + 2 batches and repeats after them.
    private func warmedUpTrainer(_ mode: Mode, on info: DeviceInfo, checkpoint: ModelCheckpoint) throws -> (any Device, Trainer) {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
        let lora = LoRAConfig(rank: rank, alpha: alpha, dropout: dropout, targetModules: targets.split(separator: ",").map { String($0) })
        let llama = try LlamaModel(checkpoint: checkpoint, device: device, lora: mode == .full ? nil : lora,
                                   seed: 1, quantizeToNF4: mode == .qlora, fullParameter: mode == .full)
        if let attentionBudgetMib { llama.attentionScoreBudgetBytes = attentionBudgetMib << 20 }
        llama.fusedAttention = !(composedAttention || ProcessInfo.processInfo.environment["LORAKIT_BENCH_COMPOSED_ATTENTION"] == "1")
        let count = seqLen * batch * (steps + 2)
        let tokens: [Int32] = (0..<count).map { (index: Int) -> Int32 in Int32((index * 7 + index / 13) % checkpoint.config.vocabularySize) }
        let windows = try TokenWindows(tokens: tokens, length: seqLen, heldOutFraction: 0, source: "synthetic")
        var config = TrainingConfig()
        (config.steps, config.batch, config.checkpointing) = (steps + 1, batch, checkpointing.choice)
        let trainer = try Trainer(model: llama, data: windows, config: config)
        _ = try trainer.runStep()
        return (device, trainer)
    }

    /// `--serve`: one timed step per "step" line on standard input, its time printed as a JSON
    /// line, so that a driver can alternate single steps of two programs that stay loaded.
    private func serveSteps() throws {
        guard models.count == 1, let name = models.first, Self.shapeNames.contains(name), options.devices.count == 1 else {
            throw ValidationError("--serve takes one --model (tiny, bundled, 100m or small32k) and one --device")
        }
        let folder = try Self.randomCheckpoint(name)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(folder: folder)
        let info = try Devices.resolve(options.devices[0])
        let (device, trainer) = try warmedUpTrainer(.lora, on: info, checkpoint: checkpoint)
        func reply(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        reply("{\"ready\":true,\"parameters\":\(checkpoint.config.parameterCount),\"driver\":\"\(info.driverVersion)\"}")
        while let line = readLine(), line == "step" {
            let start = Measurement.now()
            let tokens = try trainer.runStep().tokens + batch
            try device.synchronize()
            reply("{\"step_s\":\(Measurement.now() - start),\"tokens\":\(tokens)}")
        }
    }

    private func perStep(_ value: Int) -> String { String(format: "%g", Double(value) / Double(steps)) }

    private func row(_ r: Result, _ mode: Mode, _ info: DeviceInfo, _ name: String, _ checkpoint: ModelCheckpoint) -> [String] {
        let c = r.counts
        let countText = [c.buffersCreated, c.queueDrains, c.blockingReads, c.kernelLaunches, c.gemmCalls].map(perStep).joined(separator: ", ")
        return [info.identifier, name, String(format: "%.1f M", Double(checkpoint.config.parameterCount) / 1e6), mode.label,
                "\(seqLen)×\(batch)", String(format: "%.3f", r.stepSeconds), String(format: "%.0f", r.tokensPerSecond),
                ByteCount.format(r.peakBytes), countText]
    }

    private func record(_ r: Result, _ mode: Mode, _ info: DeviceInfo, _ name: String, _ checkpoint: ModelCheckpoint) -> String {
        let c = r.counts
        return "{\"suite\":\"train\",\"device\":\"\(info.identifier)\",\"model\":\"\(name)\",\"parameters\":\(checkpoint.config.parameterCount),"
            + "\"training\":\"\(mode.key)\",\"seq_len\":\(seqLen),\"batch\":\(batch),\"step_s\":\(r.stepSeconds),"
            + "\"tokens_per_s\":\(r.tokensPerSecond),\"peak_bytes\":\(r.peakBytes),\"rank\":\(rank),\"targets\":\"\(targets)\","
            + "\"checkpointing\":\"\(checkpointing.rawValue)\",\"driver\":\"\(info.driverVersion)\","
            + "\"per_step\":{\"buffers_created\":\(perStep(c.buffersCreated)),\"buffers_reused\":\(perStep(c.buffersReused)),"
            + "\"queue_drains\":\(perStep(c.queueDrains)),\"blocking_reads\":\(perStep(c.blockingReads)),"
            + "\"blocking_writes\":\(perStep(c.blockingWrites)),\"kernel_launches\":\(perStep(c.kernelLaunches)),"
            + "\"gemm_calls\":\(perStep(c.gemmCalls))}}"
    }
}
