import ArgumentParser
import Foundation
import LoRAKit

/// A LoRA layer's forward and backward on every device, three ways, timed in one interleaved loop:
///
/// - `base`: the frozen layer's GEMM alone (forward Y = X·Wᵀ, backward dX = dY·W): the floor.
///   No bias anywhere, so the three do the same work apart from the adapter.
/// - `unfused`: what PEFT's eager PyTorch code does: separate products, a scaled copy and an add
///   (forward Y₀ = X·Wᵀ, T = drop(X)·Aᵀ, U = T·Bᵀ, U *= s, Y = Y₀ + U; backward likewise through a
///   full-size s·dY and a full-size low-rank dX added at the end).
/// - `lora`: `LoRALinear`, with the adapter fused into the base product (see `LoRALinear`).
///
/// GFLOP/s count the layer's useful work, so the three are directly comparable.
struct LoRABenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora",
        abstract: "LoRA layer forward and backward: base GEMM alone vs PEFT-style unfused vs LoRAKit's fused layer.")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("m"), help: "Tokens M (repeatable). Default: 1, 16, 512, 2048.")
    var rows: [Int] = [1, 16, 512, 2048]

    @Option(name: .customLong("size"), help: "in = out features (repeatable). Default: 1024, 4096.")
    var sizes: [Int] = [1024, 4096]

    @Option(name: .customLong("rank"), help: "LoRA rank r (repeatable). Default: 8, 16, 64.")
    var ranks: [Int] = [8, 16, 64]

    @Option(help: "LoRA dropout probability for the training forward and backward.")
    var dropout: Float = 0

    func run() throws {
        var table = TextTable(
            header: ["device", "M", "in=out", "r", "fwd base ms", "fwd unfused ms", "fwd lora ms", "lora/base",
                     "bwd base ms", "bwd unfused ms", "bwd lora ms", "lora fwd+bwd / base fwd"],
            rightAligned: Set(1...11))
        for device in try Measurement.devices(options) {
            for size in sizes {
                for m in rows {
                    for r in ranks where r <= size {
                        let results = try measure(device: device, m: m, size: size, rank: r)
                        if options.json {
                            // Written unbuffered: a long run shows its progress line by line.
                            results.forEach { FileHandle.standardOutput.write(Data(($0.jsonLine + "\n").utf8)) }
                            continue
                        }
                        func ms(_ op: String, _ pass: String) -> Double {
                            results.first { $0.op == op && $0.pass == pass }!.medianS * 1000
                        }
                        table.append([device.info.identifier, "\(m)", "\(size)", "\(r)",
                                      Format.fixed(ms("base", "forward"), 3), Format.fixed(ms("unfused", "forward"), 3),
                                      Format.fixed(ms("lora", "forward"), 3),
                                      Format.fixed(ms("lora", "forward") / ms("base", "forward"), 3),
                                      Format.fixed(ms("base", "backward"), 3), Format.fixed(ms("unfused", "backward"), 3),
                                      Format.fixed(ms("lora", "backward"), 3),
                                      Format.fixed((ms("lora", "forward") + ms("lora", "backward")) / ms("base", "forward"), 3)])
                    }
                }
            }
        }
        if !options.json {
            print(table.rendered)
            print("\ndropout p = \(dropout); 'lora fwd+bwd / base fwd' is a full training step of the layer over the frozen forward.")
        }
    }

    /// Six records: base, unfused and lora, forward and backward.
    private func measure(device: any Device, m: Int, size: Int, rank r: Int) throws -> [BenchRecord] {
        let bench = try LoRABenchCase(device: device, m: m, size: size, rank: r, dropout: dropout)
        let times = try Measurement.medians([bench.baseForward, bench.unfusedForward, bench.loraForward,
                                             bench.baseBackward, bench.unfusedBackward, bench.loraBackward],
                                            options: options, warmUp: 1)
        return zip(bench.plan, times).map { entry, time in
            var record = BenchRecord(suite: "lora", op: entry.op, device: device.info, m: m, n: size, k: size,
                                     flops: entry.flops, median: time.median, repeats: time.repeats)
            record.r = r
            record.pass = entry.pass
            record.dropout = Double(String(dropout))   // 0.05, not 0.0500000007
            return record
        }
    }
}
