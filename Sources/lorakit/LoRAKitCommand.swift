import ArgumentParser
import LoRAKit

@main
struct LoRAKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorakit",
        abstract: "LoRA and QLoRA fine-tuning on OpenCL GPUs and CPUs.",
        subcommands: [DevicesCommand.self, TrainCommand.self, EvalCommand.self, MergeCommand.self, GenerateCommand.self, TokenizeCommand.self, ExportCommand.self, QuantizeCommand.self, InitCommand.self, PlanCommand.self]
    )

    /// Training sets OpenBLAS's threads to sleep between GEMMs (`OpenBLASThreadTimeout`), then the
    /// command runs. Generation keeps OpenBLAS's default: its one-token GEMMs would pay a wake-up
    /// each (`lorakit-bench generate`: 0.90–0.95× the tokens/s with the short timeout).
    static func main() {
        OpenBLASThreadTimeout.restartIfUnset(forSubcommands: ["train"])
        main(nil)
    }
}
