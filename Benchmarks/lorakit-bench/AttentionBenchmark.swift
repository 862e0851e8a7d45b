import ArgumentParser
import Foundation
import LoRAKit

/// Forward plus backward of one layer's causal attention (on given Q, K, V and dO) at the peer
/// benchmark's shapes, per device and path, side by side in one run. GFLOP/s count the causal
/// products only (half of each T×T product; Q·Kᵀ and P·V forward, four products backward), so
/// a path that skips more of the masked half scores higher.
struct AttentionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Causal attention forward + backward per path (whole products, causal blocks) at training shapes.")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("shape"), help: "bundled, 100m or small32k, with @T for the sequence (repeatable).")
    var shapes: [String] = ["bundled@256", "bundled@1024", "100m@256", "100m@1024"]

    func run() throws {
        var table = TextTable(header: ["device", "shape", "path", "seq×batch", "ms", "GFLOP/s", "runs"], rightAligned: [4, 5, 6])
        for device in try Measurement.devices(options) {
            for name in shapes {
                let shape = try AttentionBenchShape(name)
                let paths = try AttentionPath.all(for: shape, on: device)
                let inputs = try AttentionInputs(shape, on: device)
                let timings = try Measurement.medians(paths.map { path in { try inputs.run(path.attention); try device.synchronize() } },
                                                      options: options)
                for (path, (median, repeats)) in zip(paths, timings) {
                    let gflops = shape.causalFlops / median / 1e9
                    if options.json {
                        let record = BenchRecord(suite: "attention", op: "\(name) \(path.name)", device: device.info, m: shape.sequence,
                                                 n: shape.sequence, k: shape.headDimension, flops: shape.causalFlops, median: median, repeats: repeats)
                        FileHandle.standardOutput.write(Data((record.jsonLine + "\n").utf8))
                    } else {
                        table.append([device.info.identifier, name, path.name, "\(shape.sequence)×\(shape.batch)", Format.fixed(median * 1e3, 2),
                                      Format.fixed(gflops, 1), "\(repeats)"])
                    }
                }
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nms: median wall time of forward + backward of one layer's attention; GFLOP/s: causal products only.")
        }
    }
}

/// One layer's attention sizes: `name@T`, batch 4 at 256 tokens and 1 above, as the peer benchmark.
struct AttentionBenchShape {
    var heads: Int, keyValueHeads: Int, headDimension: Int, sequence: Int, batch: Int

    init(_ text: String) throws {
        let parts = text.split(separator: "@")
        guard parts.count == 2, let t = Int(parts[1]), t >= 1 else { throw ValidationError("--shape is NAME@T, not \(text)") }
        guard ["bundled", "100m", "small32k"].contains(String(parts[0])) else {
            throw ValidationError("--shape names bundled, 100m or small32k, not \(parts[0])")
        }
        let config = try ModelShape.named(String(parts[0])).config
        (heads, keyValueHeads, headDimension) = (config.attentionHeads, config.keyValueHeads, config.headDimension)
        sequence = t
        batch = t <= 256 ? 4 : 1
    }

    /// 2·T²/2·d multiply-adds per head and product, six products.
    var causalFlops: Double { 6 * Double(batch * heads) * Double(sequence * sequence) * Double(headDimension) }
}

/// A way of running attention: the same math, different products. The composed paths (GEMMs
/// and the causal softmax) on every device, and the fused one where the device has it (the host).
struct AttentionPath {
    var name: String
    var attention: CausalAttention

    static func all(for shape: AttentionBenchShape, on device: any Device) throws -> [AttentionPath] {
        var base = try CausalAttention(heads: shape.heads, keyValueHeads: shape.keyValueHeads, headDimension: shape.headDimension,
                                       sequenceLength: shape.sequence)
        let fused = device is FusedAttentionDevice ? [AttentionPath(name: "fused (\(HostAttentionInstructionSet.inUse()))", attention: base)] : []
        base.fused = false
        var whole = base
        whole.queryBlockRows = shape.sequence
        return fused + [AttentionPath(name: "whole products", attention: whole)] + [256, 128, 64].map { rows in
            var blocked = base
            blocked.queryBlockRows = rows
            return AttentionPath(name: "causal blocks \(rows)", attention: blocked)
        }
    }
}

/// Q, K, V and dO for one shape, from the ops benchmark's pseudo-random values.
struct AttentionInputs {
    var q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, dO: DeviceBuffer
    var batch: Int

    init(_ shape: AttentionBenchShape, on device: any Device) throws {
        let tokens = shape.batch * shape.sequence
        let queryColumns = shape.heads * shape.headDimension, keyColumns = shape.keyValueHeads * shape.headDimension
        q = try OpsCases.buffer(tokens * queryColumns, seed: 1, on: device)
        k = try OpsCases.buffer(tokens * keyColumns, seed: 2, on: device)
        v = try OpsCases.buffer(tokens * keyColumns, seed: 3, on: device)
        dO = try OpsCases.buffer(tokens * queryColumns, seed: 4, on: device)
        batch = shape.batch
    }

    func run(_ attention: CausalAttention) throws {
        let (_, saved) = try attention.forward(q: q, k: k, v: v, batch: batch)
        _ = try attention.backward(outputGradient: dO, saved: saved)
    }
}
