import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit quantize`: a float checkpoint to bitsandbytes NF4, loadable by transformers.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a Hugging Face float checkpoint's Linear layers to NF4 (bitsandbytes format).",
        discussion: """
            Reads config.json and model.safetensors (or the shards of model.safetensors.index.json) from --model and writes \
            a checkpoint that transformers loads with its bitsandbytes 4-bit support. The decoder blocks' Linear weights \
            become NF4; embeddings, norms and lm_head stay as they are, as transformers does.
            """)

    @Option(help: "Folder of the float checkpoint (F32, F16 or BF16).")
    var model: String

    @Option(help: "Folder to write; must not exist or be empty.")
    var out: String

    @Option(help: "Values per absmax block: a power of two from 32 to 4096.")
    var blockSize = 64

    @Flag(help: "Store the absmax values as float32 instead of double-quantizing them.")
    var noDoubleQuant = false

    func run() throws {
        let quantizer = CheckpointQuantizer(blockSize: blockSize, doubleQuantize: !noDoubleQuant)
        let started = Date()
        let report = try quantizer.quantize(model: URL(fileURLWithPath: model), output: URL(fileURLWithPath: out))
        let ratio = Double(report.tensorBytesBefore) / Double(max(1, report.tensorBytesAfter))
        print("quantized \(report.quantizedTensors) Linear weights to NF4 (block \(blockSize)\(noDoubleQuant ? "" : ", double quantization")); "
              + "kept \(report.copiedTensors) tensors as they were")
        print("tensors: \(ByteCount.format(report.tensorBytesBefore)) → \(ByteCount.format(report.tensorBytesAfter)) "
              + "(\(String(format: "%.2f", ratio))× smaller) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        print("wrote \(out)/model.safetensors and config.json with quantization_config")
    }
}
