import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit merge`: fold an adapter into its base checkpoint.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a PEFT adapter into its base model and write a plain checkpoint (float16 for an NF4 base).",
        discussion: """
            For a GGUF base, --out names a new .gguf file: adapted weights become F16 where the base had a block \
            format (as llama.cpp's llama-export-lora writes them), every other tensor and all metadata are copied.
            """)

    @OptionGroup var model: ModelOption
    @OptionGroup var adapter: AdapterOption
    @Option(help: "Output folder (must not exist or be empty), or a new .gguf file for a GGUF base.") var out: String
    @OptionGroup var device: DeviceOption

    func validate() throws {
        guard adapter.adapter != nil else { throw ValidationError("merge needs --adapter") }
    }

    func run() throws {
        let report = try AdapterMerge.merge(model: model.url, adapter: URL(fileURLWithPath: adapter.adapter!),
                                            output: URL(fileURLWithPath: out), device: device.open())
        print("merged \(report.mergedModules) adapted weights; wrote \(report.writtenTensors) tensors (\(report.dtype)) to \(out)")
    }
}
