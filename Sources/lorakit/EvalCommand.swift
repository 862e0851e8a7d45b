import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit eval`: mean next-token loss and perplexity over consecutive windows.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Mean next-token cross-entropy and perplexity of a model (optionally with a PEFT adapter) on a file.",
        discussion: """
            The data is cut into consecutive non-overlapping windows of --seq-len tokens (a trailing partial window is \
            dropped); each window predicts its tokens 2..L from those before. This equals transformers' loss with \
            labels = input_ids, averaged over the windows.
            """)

    @OptionGroup var model: ModelOption
    @OptionGroup var adapter: AdapterOption
    @OptionGroup var quantization: QuantizeOption
    @Option(help: "Text (byte-level models) or a token file.") var data: String
    @Option(help: "Tokens per window.") var seqLen: Int
    @Flag(help: "Print one JSON object with loss, perplexity and tokens.") var json = false
    @OptionGroup var device: DeviceOption

    func run() throws {
        let target = try device.open()
        let checkpoint = try ModelCheckpoint(folder: model.url)
        let peft = try adapter.load()
        let llama = try LlamaModel(checkpoint: checkpoint, device: target, lora: peft?.config, quantizeToNF4: quantization.toNF4)
        if let peft, let source = adapter.adapter { try llama.load(peft, from: source) }
        let tokens = try TokenFile.load(URL(fileURLWithPath: data), vocabularySize: checkpoint.config.vocabularySize,
                                        byteLevel: checkpoint.isByteLevel)
        let windows = try TokenWindows(tokens: tokens, length: seqLen, heldOutFraction: 0, source: data)
        var total = 0.0, count = 0
        for index in 0..<windows.trainingWindows {
            let (loss, predicted) = try llama.loss(ids: Array(windows.window(index)), batch: 1)
            total += loss * Double(predicted)
            count += predicted
        }
        let loss = total / Double(count)
        if json {
            print("{\"loss\":\(loss),\"perplexity\":\(exp(loss)),\"tokens\":\(count)}")
        } else {
            print(String(format: "loss %.4f, perplexity %.3f over %d predicted tokens (%d windows of %d)",
                         loss, exp(loss), count, windows.trainingWindows, seqLen))
        }
    }
}
