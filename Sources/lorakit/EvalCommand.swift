import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit eval`: mean next-token loss and perplexity over consecutive windows.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Mean next-token cross-entropy and perplexity of a model (optionally with a PEFT adapter) on a file.",
        discussion: """
            A text or token file is cut into consecutive non-overlapping windows of --seq-len tokens (a trailing partial \
            window is dropped); each window predicts its tokens 2..L from those before. This equals transformers' loss \
            with labels = input_ids, averaged over the windows. A .jsonl file is evaluated example by example, on the \
            tokens training would train on (--train-on), each example truncated at --seq-len.
            """)

    @OptionGroup var model: ModelOption
    @OptionGroup var adapter: AdapterOption
    @OptionGroup var quantization: QuantizeOption
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Tokens per window (the longest example of a .jsonl).") var seqLen: Int
    @Flag(help: "Print one JSON object with loss, perplexity and tokens.") var json = false
    @Option(help: "Write the first window's (or example's) ids and logits to this safetensors file, for comparing with other tools.")
    var saveLogits: String?
    @OptionGroup var device: DeviceOption

    func run() throws {
        let target = try device.open()
        let checkpoint = try ModelCheckpoint(folder: model.url)
        let peft = try adapter.load()
        let llama = try LlamaModel(checkpoint: checkpoint, device: target, lora: peft?.config, quantizeToNF4: quantization.toNF4)
        if let peft, let source = adapter.adapter { try llama.load(peft, from: source) }
        let (data, report) = try dataOptions.load(model: checkpoint, settings: DataSettings(sequenceLength: seqLen, heldOutFraction: 0))
        var total = 0.0, count = 0
        for item in 0..<data.trainingItems {
            let (loss, predicted) = try llama.loss(data.batch(of: [item]))
            total += loss * Double(predicted)
            count += predicted
        }
        let loss = total / Double(max(1, count))
        if let saveLogits, data.trainingItems > 0 {
            let first = try data.batch(of: [0])
            let logits: [Float] = try llama.logits(ids: first.ids, batch: 1).download()
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            try writer.add(.init(name: "input_ids", dtype: .i32, shape: [first.ids.count],
                                 bytes: first.ids.withUnsafeBufferPointer { Data(buffer: $0) }))
            try writer.add(.init(name: "logits", shape: [first.ids.count, checkpoint.config.vocabularySize], floats: logits))
            try writer.write(to: URL(fileURLWithPath: saveLogits))
        }
        if json {
            print("{\"loss\":\(loss),\"perplexity\":\(exp(loss)),\"tokens\":\(count)}")
        } else {
            print(String(format: "loss %.4f, perplexity %.3f over %d predicted tokens", loss, exp(loss), count) + " (\(report))")
        }
    }
}
