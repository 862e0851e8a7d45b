import ArgumentParser
import Foundation
import LoRAKit
import LoRAKitGGUF

/// `lorakit export`: a PEFT adapter as a GGUF LoRA adapter for llama.cpp.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a PEFT adapter as a GGUF LoRA adapter that llama.cpp's --lora loads.",
        discussion: """
            --base is the GGUF model the adapter was trained on (its architecture and tensor names are used, and the \
            rows of lora_b for Llama's q and k follow its permuted layout). llama.cpp scales by alpha/r; an rsLoRA \
            adapter is written with alpha·√r so the scale is unchanged.
            """)

    enum ValueType: String, ExpressibleByArgument, CaseIterable { case f32, f16 }

    @Option(help: "PEFT adapter folder (adapter_config.json, adapter_model.safetensors).") var adapter: String
    @Option(help: "The GGUF base model.") var base: String
    @Option(help: "The GGUF adapter file to write.") var out: String
    @Option(help: "Value type of the adapter's tensors.") var type: ValueType = .f32

    func run() throws {
        let peft = try PEFTAdapter.load(from: URL(fileURLWithPath: adapter))
        let checkpoint = try ModelCheckpoint(folder: URL(fileURLWithPath: base))
        let count = try GGUFAdapterExport.write(peft, base: checkpoint, to: URL(fileURLWithPath: out), type: type == .f16 ? .f16 : .f32)
        print("wrote \(out): \(count) adapted weights, r=\(peft.config.rank), alpha \(peft.config.alpha)\(peft.config.useRSLoRA ? " (rsLoRA, written as alpha·√r)" : ""), \(type.rawValue)")
    }
}
