import ArgumentParser
import Foundation
import LoRAKit

/// The memory promise measured: one full QLoRA training step (r on all seven projections,
/// dropout 0.05, the Trainer's default checkpointing, AdamW) on a built-in shape whose base is
/// made on the device as it loads (`SyntheticCheckpoint`: random NF4 codes for the blocks, BF16
/// embedding and head; no float checkpoint on disk, which at 8B would be 32 GB). Prints the
/// device's peak bytes beside the memory plan's total, their ratio, the step's time and tokens/s,
/// and the process's peak resident memory (on the host device, its allocations are that memory).
struct MemoryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Peak device memory of one QLoRA step at a built-in shape (e.g. llama-3-8b) against the memory plan.")

    @OptionGroup var options: BenchOptions
    @Option(help: "A built-in shape (lorakit plan's: llama-3-8b, llama-3.2-1b, …).") var shape = "llama-3.2-1b"
    @Option(help: "Tokens per sequence.") var seqLen = 512
    @Option(help: "Sequences per step.") var batch = 1
    @Option(help: "LoRA rank (alpha = 2r) on all seven projections.") var rank = 16
    @Option(help: "Training steps; each is timed, the table reports the last.") var steps = 1

    func run() throws {
        let built = try ModelShape.named(shape)
        let checkpoint = ModelCheckpoint(synthetic: SyntheticCheckpoint(config: built.config, seed: 1))
        let lora = LoRAConfig(rank: rank, alpha: Float(2 * rank), dropout: 0.05, targetModules: ModelConfig.linearModules)
        var table = TextTable(header: ["device", "shape", "seq×batch", "planned", "peak", "peak / plan", "load s", "step s", "tokens/s",
                                       "peak RSS"], rightAligned: [3, 4, 5, 6, 7, 8, 9])
        let infos = options.devices.isEmpty ? [try Devices.resolve("host")] : try options.devices.map { try Devices.resolve($0) }
        var checkpointing = false
        for info in infos {
            let plan = try MemoryPlan(checkpoint: checkpoint, settings: .init(sequenceLength: seqLen, batch: batch, training: .lora(lora),
                                                                               fusedAttention: MemoryPlan.Settings.fusedAttention(on: info)))
            checkpointing = plan.checkpointing
            let result = try measure(checkpoint: checkpoint, lora: lora, on: info)
            if options.json {
                print(record(result, plan: plan, info: info))
            } else {
                table.append([info.identifier, shape, "\(seqLen)×\(batch)", ByteCount.format(plan.totalBytes), ByteCount.format(result.peakBytes),
                              String(format: "%.4f", Double(result.peakBytes) / Double(plan.totalBytes)), String(format: "%.1f", result.loadSeconds),
                              String(format: "%.1f", result.stepSeconds), String(format: "%.1f", result.tokensPerSecond),
                              ByteCount.format(result.residentPeakBytes)])
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nQLoRA r=\(rank) alpha \(2 * rank) dropout 0.05 on all seven projections, checkpointing \(checkpointing ? "on" : "off"), AdamW; "
                  + "random NF4 blocks and BF16 embedding/head made as the model loads.")
        }
    }

    struct Result {
        var peakBytes: Int
        var loadSeconds: Double
        var stepSeconds: Double
        var tokensPerSecond: Double
        var residentPeakBytes: Int
    }

    /// Loads the synthetic base onto a fresh instance of `info` and runs `steps` training steps.
    private func measure(checkpoint: ModelCheckpoint, lora: LoRAConfig, on info: DeviceInfo) throws -> Result {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
        var start = Measurement.now()
        let model = try LlamaModel(checkpoint: checkpoint, device: device, lora: lora, seed: 1)
        let loadSeconds = Measurement.now() - start
        let vocabulary = checkpoint.config.vocabularySize
        let tokens = (0..<(seqLen * batch * (steps + 1) + 1)).map { Int32(($0 * 7919 + $0 / 13) % vocabulary) }
        let windows = try TokenWindows(tokens: tokens, length: seqLen, heldOutFraction: 0, source: "synthetic")
        var config = TrainingConfig()
        (config.steps, config.batch) = (steps, batch)
        let trainer = try Trainer(model: model, data: windows, config: config)
        var (seconds, trained) = (0.0, 0)
        for _ in 0..<steps {
            start = Measurement.now()
            trained = try trainer.runStep().tokens + batch   // + batch: the unpredicted first tokens
            try device.synchronize()
            seconds = Measurement.now() - start
        }
        return Result(peakBytes: device.memoryUsage.peakBytes, loadSeconds: loadSeconds, stepSeconds: seconds,
                      tokensPerSecond: Double(trained) / seconds, residentPeakBytes: Self.residentPeakBytes())
    }

    /// The process's peak resident set (getrusage's ru_maxrss, KiB on Linux).
    static func residentPeakBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    private func record(_ r: Result, plan: MemoryPlan, info: DeviceInfo) -> String {
        "{\"suite\":\"memory\",\"device\":\"\(info.identifier)\",\"shape\":\"\(shape)\",\"seq_len\":\(seqLen),\"batch\":\(batch),"
            + "\"rank\":\(rank),\"parameters\":\(plan.config.parameterCount),\"peak_bytes\":\(r.peakBytes),\"planned_bytes\":\(plan.totalBytes),"
            + "\"peak_over_plan\":\(Double(r.peakBytes) / Double(plan.totalBytes)),\"load_s\":\(r.loadSeconds),\"step_s\":\(r.stepSeconds),"
            + "\"tokens_per_s\":\(r.tokensPerSecond),\"rss_peak_bytes\":\(r.residentPeakBytes),\"checkpointing\":\(plan.checkpointing)}"
    }
}
