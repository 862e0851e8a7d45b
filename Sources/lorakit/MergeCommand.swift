import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit merge`: fold an adapter into its base checkpoint.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a PEFT adapter into its base model and write a plain checkpoint (float16 for an NF4 base).")

    @OptionGroup var model: ModelOption
    @OptionGroup var adapter: AdapterOption
    @Option(help: "Output folder (must not exist or be empty).") var out: String
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
