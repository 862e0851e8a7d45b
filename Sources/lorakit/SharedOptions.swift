import ArgumentParser
import Foundation
import LoRAKit

// Options that several commands take, declared once so that their names, help and checks agree.

/// `--model`: the checkpoint every model command starts from.
struct ModelOption: ParsableArguments {
    @Option(help: "Hugging Face checkpoint folder (config.json + safetensors; float or bitsandbytes NF4).")
    var model: String

    var url: URL { URL(fileURLWithPath: model) }
}

/// `--adapter`: a PEFT adapter folder, where a command takes one.
struct AdapterOption: ParsableArguments {
    @Option(help: "PEFT adapter folder (adapter_config.json, adapter_model.safetensors).")
    var adapter: String?

    /// The adapter read from its folder, or nil when none was given.
    func load() throws -> PEFTAdapter? { try adapter.map { try PEFTAdapter.load(from: URL(fileURLWithPath: $0)) } }
}

/// `--device`.
struct DeviceOption: ParsableArguments {
    @Option(help: "Device: host, opencl, opencl:<p>:<d>, opencl:<text> (default: LORAKIT_DEVICE, else the best); under mpirun, {local_rank} is the rank's index on its machine.")
    var device: String?

    func open() throws -> any Device { try Devices.open(device) }

    /// The device of the rank `localRank` on its machine: "{local_rank}" in the name becomes that number.
    /// Plain `opencl:gpu` is the local rank's GPU (the first one in a single process).
    func open(localRank: Int) throws -> any Device {
        let name = device?.trimmingCharacters(in: .whitespaces).lowercased() == "opencl:gpu" ? "opencl:gpu:{local_rank}" : device
        return try Devices.open(name?.replacingOccurrences(of: "{local_rank}", with: String(localRank)))
    }
}

/// How a float base is quantized on load.
enum Quantization: String, ExpressibleByArgument, CaseIterable {
    case nf4
}

/// `--quantize`.
struct QuantizeOption: ParsableArguments {
    @Option(help: "Quantize the base's Linear weights on load (as QLoRA trains over them).")
    var quantize: Quantization?

    var toNF4: Bool { quantize == .nf4 }
}

extension LearningRateSchedule.Kind: ExpressibleByArgument {}
