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
        let (k, n) = (size, size)
        // Values in [−0.5, 0.5): the data does not change the timing, only avoids denormals.
        func buffer(_ count: Int, _ label: String) throws -> DeviceBuffer {
            try device.makeBuffer((0..<count).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }, label: label)
        }
        let weight = try buffer(n * k, "W")
        let layer = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n,
                                   config: LoRAConfig(rank: r, alpha: 2 * Float(r), dropout: dropout), seed: 1)
        try layer.loraB.upload((0..<(n * r)).map { Float($0 % 11) / 110 })
        let x = try buffer(m * k, "X"), dY = try buffer(m * n, "dY")
        let y = try device.makeBuffer(.float32, count: m * n, label: "Y")
        let dX = try device.makeBuffer(.float32, count: m * k, label: "dX")
        let s = layer.scale
        let key = layer.dropoutKey(step: 1)

        // Unfused temporaries, allocated once as a caching allocator would.
        let y0 = try device.makeBuffer(.float32, count: m * n, label: "Y0")
        let xd = try device.makeBuffer(.float32, count: m * k, label: "drop(X)")
        let t = try device.makeBuffer(.float32, count: m * r, label: "T")
        let u = try device.makeBuffer(.float32, count: m * n, label: "U")
        let du = try device.makeBuffer(.float32, count: m * n, label: "s·dY")
        let dT = try device.makeBuffer(.float32, count: m * r, label: "dT")
        let dXd = try device.makeBuffer(.float32, count: m * k, label: "dX low-rank")
        let branchInput = dropout > 0 ? xd : x

        let baseForward = {
            try device.gemm(m: m, n: n, k: k, a: x, b: weight, c: y, transposeB: true)
            try device.synchronize()
        }
        let unfusedForward = {
            try device.gemm(m: m, n: n, k: k, a: x, b: weight, c: y0, transposeB: true)
            if dropout > 0 { try device.dropout(x, into: xd, probability: dropout, key: key) }
            try device.gemm(m: m, n: r, k: k, a: branchInput, b: layer.loraA, c: t, transposeB: true)
            try device.gemm(m: m, n: n, k: r, a: t, b: layer.loraB, c: u, transposeB: true)
            try device.scale(u, by: s)
            try device.add(y0, u, into: y)
            try device.synchronize()
        }
        let loraForward = {
            _ = try layer.forward(x, rows: m, mode: .training(step: 1), into: y)
            try device.synchronize()
        }
        let (_, saved) = try layer.forward(x, rows: m, mode: .training(step: 1), into: y)

        let baseBackward = {
            try device.gemm(m: m, n: k, k: n, a: dY, b: weight, c: dX)
            try device.synchronize()
        }
        let unfusedBackward = {
            try device.copy(from: dY, to: du)
            try device.scale(du, by: s)
            try device.gemm(m: m, n: r, k: n, a: du, b: layer.loraB, c: dT)
            try device.gemm(m: n, n: r, k: m, a: du, b: t, c: layer.gradB, transposeA: true)
            if dropout > 0 { try device.dropout(x, into: xd, probability: dropout, key: key) }
            try device.gemm(m: r, n: k, k: m, a: dT, b: branchInput, c: layer.gradA, transposeA: true)
            try device.gemm(m: m, n: k, k: r, a: dT, b: layer.loraA, c: dXd)
            if dropout > 0 { try device.dropout(dXd, into: dXd, probability: dropout, key: key) }
            try device.gemm(m: m, n: k, k: n, a: dY, b: weight, c: dX)
            try device.add(dX, dXd, into: dX)
            try device.synchronize()
        }
        let loraBackward = {
            try layer.backward(outputGradient: dY, saved: saved!, inputGradient: dX)
            try device.synchronize()
        }

        let times = try Measurement.medians([baseForward, unfusedForward, loraForward, baseBackward, unfusedBackward, loraBackward],
                                            options: options, warmUp: 1)
        let (md, kd, nd, rd) = (Double(m), Double(k), Double(n), Double(r))
        let forwardFlops = 2 * md * kd * nd + 2 * md * kd * rd + 2 * md * rd * nd
        let backwardFlops = 2 * md * nd * kd + 4 * md * nd * rd + 4 * md * kd * rd
        let plan: [(op: String, pass: String, flops: Double)] = [
            ("base", "forward", 2 * md * kd * nd), ("unfused", "forward", forwardFlops), ("lora", "forward", forwardFlops),
            ("base", "backward", 2 * md * nd * kd), ("unfused", "backward", backwardFlops), ("lora", "backward", backwardFlops),
        ]
        return zip(plan, times).map { entry, time in
            var record = BenchRecord(suite: "lora", op: entry.op, device: device.info, m: m, n: n, k: k,
                                     flops: entry.flops, median: time.median, repeats: time.repeats)
            record.r = r
            record.pass = entry.pass
            record.dropout = Double(String(dropout))   // 0.05, not 0.0500000007
            return record
        }
    }
}
