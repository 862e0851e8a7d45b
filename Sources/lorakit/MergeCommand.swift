import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit merge`: fold an adapter into its base checkpoint.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a PEFT adapter into its base model and write a plain checkpoint (float16 for an NF4 base).")

    @Option(help: "Base checkpoint folder.") var model: String
    @Option(help: "PEFT adapter folder.") var adapter: String
    @Option(help: "Output folder (must not exist or be empty).") var out: String
    @Option(help: "Device for the merge products (default: LORAKIT_DEVICE, else the best).") var device: String?

    func run() throws {
        let report = try AdapterMerge.merge(model: URL(fileURLWithPath: model), adapter: URL(fileURLWithPath: adapter),
                                            output: URL(fileURLWithPath: out), device: Devices.open(device))
        print("merged \(report.mergedModules) adapted weights; wrote \(report.writtenTensors) tensors (\(report.dtype)) to \(out)")
    }
}
