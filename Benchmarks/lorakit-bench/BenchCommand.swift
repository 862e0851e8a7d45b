import ArgumentParser
import LoRAKit

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorakit-bench",
        abstract: "Kernel benchmarks: GFLOP/s next to the device's peak and next to the plain alternative.",
        subcommands: [GEMMBenchmark.self, LoRABenchmark.self, NF4Benchmark.self, TrainBenchmark.self, GenerateBenchmark.self,
                      TokenizeBenchmark.self, MemoryBenchmark.self, OpsBenchmark.self, AttentionBenchmark.self]
    )

    /// The suites that measure training run as `lorakit train` does, OpenBLAS's threads sleeping
    /// between GEMMs (`OpenBLASThreadTimeout`); the others keep OpenBLAS's default, as `lorakit
    /// generate` and GEMM callers do.
    static func main() {
        OpenBLASThreadTimeout.restartIfUnset(forSubcommands: ["train", "attention", "memory"])
        main(nil)
    }
}

/// Options every suite takes.
struct BenchOptions: ParsableArguments {
    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    @Option(name: .customLong("device"),
            help: "Device to measure (repeatable; same values as LORAKIT_DEVICE). Default: every device.")
    var devices: [String] = []

    @Option(help: "Keep repeating each case for at least this many seconds.")
    var minTime: Double = 0.5

    @Option(help: "Repeat each case at least this many times after the warm-up.")
    var minRepeats: Int = 5
}
