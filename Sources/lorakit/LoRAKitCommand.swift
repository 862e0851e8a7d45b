import ArgumentParser
import LoRAKit

@main
struct LoRAKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorakit",
        abstract: "LoRA and QLoRA fine-tuning on OpenCL GPUs and CPUs.",
        subcommands: [DevicesCommand.self, TrainCommand.self, EvalCommand.self, MergeCommand.self, GenerateCommand.self, TokenizeCommand.self, ExportCommand.self, QuantizeCommand.self, InitCommand.self, PlanCommand.self]
    )

    /// OpenBLAS's threads sleep between GEMMs (`OpenBLASThreadTimeout`), then the command runs.
    static func main() {
        OpenBLASThreadTimeout.restartIfUnset()
        main(nil)
    }
}
