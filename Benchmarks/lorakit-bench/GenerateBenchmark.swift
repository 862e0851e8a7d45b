import ArgumentParser
import Foundation
import LoRAKit

/// Generation throughput with the key/value cache against the plain alternative it replaced:
/// rerunning the whole window through the model for every new byte. Greedy decoding of the
/// bundled model's shape (random weights) after a prompt; tokens/s of each, and their ratio.
struct GenerateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generation tokens/s with the key/value cache vs rerunning the window per token (bundled model's shape).")

    @OptionGroup var options: BenchOptions

    @Option(help: "Prompt tokens.") var prompt = 64
    @Option(help: "Generated tokens.") var tokens = 128
    @Option(name: .customLong("model"), help: "tiny, bundled or 100m (the train suite's shapes).") var model = "bundled"

    func run() throws {
        guard TrainBenchmark.shapeNames.contains(model) else { throw ValidationError("--model is tiny, bundled or 100m, not \(model)") }
        guard prompt >= 1, tokens >= 1 else { throw ValidationError("--prompt and --tokens must be at least 1") }
        let folder = try TrainBenchmark.randomCheckpoint(model)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = try ModelCheckpoint(folder: folder)
        var table = TextTable(header: ["device", "model", "prompt+new", "cached tok/s", "recompute tok/s", "cached / recompute", "same tokens"],
                              rightAligned: [3, 4, 5, 6])
        let infos = options.devices.isEmpty ? Devices.available : try options.devices.map { try Devices.resolve($0) }
        let promptIDs: [Int32] = (0..<prompt).map { Int32(($0 * 37 + 11) % 256) }
        for info in infos {
            let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
            let llama = try LlamaModel(checkpoint: checkpoint, device: device)
            var generator = try TextGenerator(model: llama)
            generator.temperature = 0
            _ = try generator.continuation(of: promptIDs, count: 2)   // warm-up: kernel builds
            var start = Measurement.now()
            let cached = try generator.continuation(of: promptIDs, count: tokens)
            let cachedSeconds = Measurement.now() - start

            // The plain alternative: the whole window through the model for every new token.
            start = Measurement.now()
            var window = promptIDs
            for _ in 0..<tokens {
                let row: [Float] = try llama.logits(ids: window, batch: 1).download(range: ((window.count - 1) * 256)..<(window.count * 256))
                window.append(Int32(row.indices.max { row[$0] < row[$1] }!))
            }
            let recomputeSeconds = Measurement.now() - start
            // Float rounding differs between the two paths, so a near-tie could flip one argmax; report agreement.
            let same = zip(window, cached).prefix { $0 == $1 }.count - prompt
            let cachedRate = Double(tokens) / cachedSeconds, recomputeRate = Double(tokens) / recomputeSeconds
            if options.json {
                let json = "{\"suite\":\"generate\",\"device\":\"\(info.identifier)\",\"model\":\"\(model)\",\"prompt\":\(prompt),"
                    + "\"tokens\":\(tokens),\"cached_tokens_per_s\":\(cachedRate),\"recompute_tokens_per_s\":\(recomputeRate),\"same_tokens\":\(same)}"
                FileHandle.standardOutput.write(Data((json + "\n").utf8))
            } else {
                table.append([info.identifier, model, "\(prompt)+\(tokens)", String(format: "%.1f", cachedRate),
                              String(format: "%.1f", recomputeRate), String(format: "%.2f", cachedRate / recomputeRate), "\(same)/\(tokens)"])
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nGreedy decoding, random weights; 'same tokens' is how many generated tokens agree before the first difference.")
            print("Tokens/s counts generated tokens;")
            print("the cached figure includes the prompt's prefill.")
        }
    }
}
