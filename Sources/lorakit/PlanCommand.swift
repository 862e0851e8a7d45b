import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit plan`: the device memory a training run will need, part by part, and whether it fits.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a training run's device memory: each part at the peak, the total, and whether it fits.",
        discussion: """
            The plan replays the buffers one training step allocates, in the order LoRAKit allocates them, from the \
            model's shapes and how its tensors are stored; the total is the peak the device's own counter reports \
            (`lorakit train` prints it at the end). `lorakit train` makes the same plan before it loads anything and \
            refuses a run that does not fit. Take the model from --model (only the file headers are read) or a built-in \
            --shape: \(ModelShape.all.map(\.name).joined(separator: ", ")). The flags mean what they mean for train.
            """)

    @Option(help: "Hugging Face checkpoint folder or .gguf file (only headers are read).") var model: String?
    @Option(help: "A built-in shape instead of --model (see above).") var shape: String?
    @Option(help: "How a --shape's matrices are stored: f32, f16 or bf16 (default: as the published checkpoint).") var dtype: StoredDType?
    @Option(help: "Tokens per sequence.") var seqLen = 128
    @Option(help: "Sequences per micro-batch.") var batch = 1
    @OptionGroup var quantization: QuantizeOption
    @Flag(help: "Full-parameter training (every tensor, float32).") var full = false
    @Flag(help: "Packed .jsonl examples (train --packing).") var packing = false
    @OptionGroup var loraOptions: LoRAOptions
    @OptionGroup var device: DeviceOption
    @Option(help: "Check against a budget instead of a device: bytes or a whole number with a unit (24GiB, 24GB, 512MiB).") var budget: String?
    @Flag(help: "Print one JSON object: total_bytes, parts, capacity_bytes, fits and the settings.") var json = false

    func validate() throws {
        guard (model == nil) != (shape == nil) else { throw ValidationError("give either --model or --shape") }
        guard dtype == nil || shape != nil else {
            throw ValidationError("--dtype applies to --shape; a --model's dtypes are read from its files")
        }
        guard budget == nil || device.device == nil else { throw ValidationError("give --device or --budget, not both") }
        guard !full || quantization.quantize == nil else { throw ValidationError("--full trains every weight in float32; it cannot be combined with --quantize") }
        guard seqLen >= 1, batch >= 1 else { throw ValidationError("--seq-len and --batch must be at least 1") }
        do {
            if let budget { _ = try MemoryCapacity.budget(budget) }
            if let shape { _ = try ModelShape.named(shape) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let lora = try loraOptions.config(continuing: nil, source: "")
        // A budget stands for an OpenCL GPU (composed attention); a device plans what it runs.
        let target = try budget == nil ? Devices.resolve(device.device) : nil
        let settings = MemoryPlan.Settings(sequenceLength: seqLen, batch: batch, training: full ? .full : .lora(lora),
                                           quantizeToNF4: quantization.toNF4, packing: packing,
                                           fusedAttention: target.map(MemoryPlan.Settings.fusedAttention(on:)) ?? false)
        let (plan, name, dtypeNote) = try makePlan(settings)
        let capacity = try budget.map(MemoryCapacity.budget) ?? MemoryCapacity.of(target!)
        let report = PlanReport(plan: plan, capacity: capacity, model: name, dtypeNote: dtypeNote)
        print(json ? report.json : report.text)
    }

    /// The plan, the model's name and how its matrices are stored, from --shape or --model.
    private func makePlan(_ settings: MemoryPlan.Settings) throws -> (MemoryPlan, String, String) {
        if let shape {
            let builtIn = try ModelShape.named(shape)
            let stored = dtype?.safeTensors ?? builtIn.storedDType
            return (try MemoryPlan(config: builtIn.config, storedDType: stored, settings: settings), builtIn.name,
                    "stored \(stored.rawValue)\(dtype == nil ? " as \(builtIn.source) is" : "")")
        }
        let checkpoint = try ModelCheckpoint(folder: URL(fileURLWithPath: model!))
        return (try MemoryPlan(checkpoint: checkpoint, settings: settings), model!, "as stored in its files")
    }
}

/// `--dtype`: the dtypes a frozen dense tensor can be stored in.
enum StoredDType: String, ExpressibleByArgument, CaseIterable {
    case f32, f16, bf16

    var safeTensors: SafeTensorsDType { SafeTensorsDType(rawValue: rawValue.uppercased())! }
}
