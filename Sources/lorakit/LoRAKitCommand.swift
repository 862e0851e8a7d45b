import ArgumentParser

@main
struct LoRAKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorakit",
        abstract: "LoRA and QLoRA fine-tuning on OpenCL GPUs and CPUs.",
        subcommands: [DevicesCommand.self, TrainCommand.self, EvalCommand.self, MergeCommand.self, GenerateCommand.self, TokenizeCommand.self, ExportCommand.self, QuantizeCommand.self, InitCommand.self, PlanCommand.self]
    )
}
