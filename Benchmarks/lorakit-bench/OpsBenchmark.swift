import ArgumentParser
import Foundation
import LoRAKit

/// Device time of LoRAKit's own kernels (everything but GEMM), one op at a time, at the shapes a
/// training step gives them: the bundled model's goal configuration (batch 2 × 128 tokens) and a
/// Llama-2-7B-sized layer (4 × 512 tokens). Each timed call ends with `synchronize()`, so a
/// time includes one launch and one queue drain; GB/s count the bytes the op must move at least.
struct OpsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Per-op time of the non-GEMM kernels (norms, softmax, loss, embedding, LoRA expand, AdamW) at training shapes.")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("shape"), help: "bundled or 7b (repeatable). Default: both.")
    var shapes: [String] = ["bundled", "7b"]

    @Option(name: .customLong("op"), help: "Only these ops (repeatable, e.g. lora_expand). Default: every op.")
    var ops: [String] = []

    func run() throws {
        var table = TextTable(header: ["device", "shape", "op", "size", "ms", "GB/s", "runs"], rightAligned: [4, 5, 6])
        for device in try Measurement.devices(options) {
            for name in shapes {
                guard let shape = OpsShape.named(name) else { throw ValidationError("--shape is bundled or 7b, not \(name)") }
                let cases = try OpsCases.all(shape, on: device).filter { ops.isEmpty || ops.contains($0.op) }
                for opCase in cases {
                    let (median, repeats) = try Measurement.medians([{ try opCase.run(); try device.synchronize() }], options: options)[0]
                    let gbps = Double(opCase.bytes) / median / 1e9
                    if options.json {
                        var record = BenchRecord(suite: "ops", op: opCase.op, device: device.info, m: opCase.m, n: opCase.n, k: opCase.k,
                                                 flops: 0, median: median, repeats: repeats)
                        record.gbps = gbps
                        FileHandle.standardOutput.write(Data((record.jsonLine + "\n").utf8))
                    } else {
                        table.append([device.info.identifier, name, opCase.op, opCase.size, Format.fixed(median * 1e3, 3),
                                      Format.fixed(gbps, 2), "\(repeats)"])
                    }
                }
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nms: median wall time of one call followed by synchronize(); GB/s: the op's minimum traffic over that time.")
        }
    }
}

/// The sizes of one training step that the ops see.
struct OpsShape {
    var tokens: Int
    var sequence: Int
    var hidden: Int
    var intermediate: Int
    var vocabulary: Int
    var heads: Int
    var rank: Int

    var batch: Int { tokens / sequence }
    var headDimension: Int { hidden / heads }

    static func named(_ name: String) -> OpsShape? {
        switch name {
        case "bundled": return OpsShape(tokens: 256, sequence: 128, hidden: 256, intermediate: 688, vocabulary: 256, heads: 8, rank: 16)
        case "7b": return OpsShape(tokens: 2048, sequence: 512, hidden: 4096, intermediate: 11008, vocabulary: 32000, heads: 32, rank: 16)
        default: return nil
        }
    }
}
