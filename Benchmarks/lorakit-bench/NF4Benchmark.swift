import ArgumentParser
import Foundation
import LoRAKit

/// NF4, the GGUF block types and 16-bit storage (bfloat16 by default) on every device:
/// dequantization (widening) throughput next to the device's own copy bandwidth (measured in
/// the same interleaved loop), and a LoRA layer's forward and backward over the stored base next
/// to the same layer over its float32 twin, with the peak device memory of an NF4 stack.
struct NF4Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nf4",
        abstract: "NF4 and GGUF dequantization GB/s vs copy bandwidth, and QLoRA vs float32 LoRA layer time and memory.")

    @OptionGroup var options: BenchOptions

    @Option(name: .customLong("m"), help: "Tokens M for the layer comparison (repeatable). Default: 1, 16, 512, 2048.")
    var rows: [Int] = [1, 16, 512, 2048]

    @Option(name: .customLong("size"), help: "in = out features (repeatable; a multiple of 256 for the K types). Default: 1024, 4096.")
    var sizes: [Int] = [1024, 4096]

    @Option(name: .customLong("rank"), help: "LoRA rank r (repeatable). Default: 8, 16, 64.")
    var ranks: [Int] = [8, 16, 64]

    @Option(name: .customLong("gguf"), help: "GGUF block types measured beside NF4, comma-separated, or 'none'.")
    var ggufTypes: String = QuantizedBase.defaultGGUF

    @Option(name: .customLong("dense"), help: "16-bit storage measured beside them, widened into the scratch: bf16, f16 (comma-separated) or 'none'.")
    var denseTypes: String = "bf16"

    @Flag(help: "Skip the peak-memory runs (a training step of 1 and 8 layers of 4096×4096).")
    var skipMemory = false

    func run() throws {
        let bases = try QuantizedBase.parse(ggufTypes, dense: denseTypes)
        var dequantTable = TextTable(header: ["device", "matrix", "base", "dequant→f32 ms", "GB/s", "dequant→f16 ms", "GB/s", "copy GB/s",
                                              "f32 dequant / copy"], rightAligned: Set(3...8))
        var layerTable = TextTable(header: ["device", "M", "in=out", "r", "base", "fwd lora ms", "fwd qlora ms", "qlora/lora", "bwd lora ms",
                                            "bwd qlora ms", "qlora/lora"], rightAligned: Set([1, 2, 3] + Array(5...10)))
        var memoryTable = TextTable(header: ["device", "4096×4096 layers, M=512, r=16", "base weights", "peak during fwd+bwd"], rightAligned: [2, 3])
        for device in try Measurement.devices(options) {
            for size in sizes {
                for base in bases {
                    guard base.fits(size: size) else {
                        FileHandle.standardError.write(Data("nf4: skipping \(base) at size \(size): rows are not whole blocks\n".utf8))
                        continue
                    }
                    let built = try base.build(size: size, on: device)
                    let records = try measureDequantization(device: device, size: size, base: built, name: "\(base)")
                    emit(records)
                    dequantTable.append(Self.dequantizationRow(records, device: device, size: size, base: "\(base)"))
                    for m in rows {
                        for r in ranks where r <= size {
                            let layer = try measureLayers(device: device, m: m, size: size, rank: r, base: built, name: "\(base)")
                            emit(layer)
                            layerTable.append(Self.layerRow(layer, device: device, m: m, size: size, rank: r, base: "\(base)"))
                        }
                    }
                }
            }
            for (name, peak, weight) in try (skipMemory ? [] : measurePeakMemory(info: device.info)) {
                memoryTable.append([device.info.identifier, name, ByteCount.format(weight), ByteCount.format(peak)])
            }
        }
        if !options.json {
            print(dequantTable.rendered)
            print("\nGB/s count the bytes read (codes and statistics, or GGUF blocks) and written (the output). 'copy' is a\n"
                  + "device-to-device copy of the float32 output's size: the bandwidth the dequantizer competes with. GGUF\n"
                  + "blocks dequantize to float32 only. GGUF bases are pseudo-random blocks with float16 scales 2⁻⁷. bfloat16 and\n"
                  + "float16 bases are widened (exactly) into float32.\n")
            print(layerTable.rendered)
            print("\nqlora: the same layer over the stored base (NF4: block 64, double quantization; or 16-bit), expanded into one\n"
                  + "reused scratch before each GEMM; lora: over the dequantized float32 twin.\n")
            print(memoryTable.rendered)
        }
    }

    static func dequantizationRow(_ records: [BenchRecord], device: any Device, size: Int, base: String) -> [String] {
        func record(_ op: String) -> BenchRecord? { records.first { $0.op == op } }
        let f32 = record("dequantize_f32"), f16 = record("dequantize_f16"), copy = record("copy")
        func ms(_ r: BenchRecord?) -> String { r.map { Format.fixed($0.medianS * 1000, 3) } ?? "-" }
        func gbps(_ r: BenchRecord?) -> String { r?.gbps.map { Format.fixed($0) } ?? "-" }
        let ratio = f32?.gbps.flatMap { a in copy?.gbps.map { Format.fixed(a / $0, 2) } } ?? "-"
        return [device.info.identifier, "\(size)×\(size)", base, ms(f32), gbps(f32), ms(f16), gbps(f16), gbps(copy), ratio]
    }

    static func layerRow(_ layer: [BenchRecord], device: any Device, m: Int, size: Int, rank r: Int, base: String) -> [String] {
        func ms(_ op: String, _ pass: String) -> Double { (layer.first { $0.op == op && $0.pass == pass }?.medianS ?? .nan) * 1000 }
        return [device.info.identifier, "\(m)", "\(size)", "\(r)", base,
                Format.fixed(ms("lora", "forward"), 3), Format.fixed(ms("qlora", "forward"), 3),
                Format.fixed(ms("qlora", "forward") / ms("lora", "forward"), 2),
                Format.fixed(ms("lora", "backward"), 3), Format.fixed(ms("qlora", "backward"), 3),
                Format.fixed(ms("qlora", "backward") / ms("lora", "backward"), 2)]
    }

    private func emit(_ records: [BenchRecord]) {
        guard options.json else { return }
        records.forEach { FileHandle.standardOutput.write(Data(($0.jsonLine + "\n").utf8)) }
    }

    static func tensor(rows: Int, columns: Int) throws -> NF4Tensor {
        try NF4Codec.quantize((0..<(rows * columns)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }, shape: [rows, columns])
    }

    private func measureDequantization(device: any Device, size: Int, base: QuantizedBase.Built, name: String) throws -> [BenchRecord] {
        let n = size * size
        let out32 = try device.makeBuffer(.float32, count: n, label: "out32")
        let out16 = try device.makeBuffer(.float16, count: n, label: "out16")
        let copySource = try device.makeBuffer(.float32, count: n, label: "copy source")
        var cases: [() throws -> Void] = [{ try base.dequantize(out32); try device.synchronize() },
                                          { try device.copy(from: copySource, to: out32); try device.synchronize() }]
        var plan: [(String, Int)] = [("dequantize_f32", base.deviceBytes + 4 * n), ("copy", 8 * n)]
        if let half = base.dequantizeHalf {
            cases.append { try half(out16); try device.synchronize() }
            plan.append(("dequantize_f16", base.deviceBytes + 2 * n))
        }
        let times = try Measurement.medians(cases, options: options)
        return zip(plan, times).map { entry, time in
            var record = BenchRecord(suite: "nf4", op: entry.0, device: device.info, m: size, n: size, k: 0, flops: 0,
                                     median: time.median, repeats: time.repeats)
            record.gbps = Double(entry.1) / time.median / 1e9
            record.format = name
            return record
        }
    }

    /// Forward and backward of the same layer over the quantized base and over its float32 twin.
    private func measureLayers(device: any Device, m: Int, size: Int, rank r: Int, base: QuantizedBase.Built, name: String) throws -> [BenchRecord] {
        let config = LoRAConfig(rank: r, alpha: 2 * Float(r))
        let lora = try LoRALinear(weight: device.makeBuffer(base.dense, label: "W"), inFeatures: size, outFeatures: size, config: config, seed: 1)
        let qlora = try LoRALinear(base: base.frozen, inFeatures: size, outFeatures: size, config: config, seed: 1)
        let x = try device.makeBuffer((0..<(m * size)).map { Float($0 % 97) / 97 - 0.5 }, label: "X")
        let dY = try device.makeBuffer((0..<(m * size)).map { Float($0 % 89) / 89 - 0.5 }, label: "dY")
        let y = try device.makeBuffer(.float32, count: m * size, label: "Y")
        let dX = try device.makeBuffer(.float32, count: m * size, label: "dX")
        let (_, savedLoRA) = try lora.forward(x, rows: m, mode: .training(step: 0), into: y)
        let (_, savedQLoRA) = try qlora.forward(x, rows: m, mode: .training(step: 0), into: y)
        guard let savedLoRA, let savedQLoRA else { throw ValidationError("training forward kept no state") }
        let times = try Measurement.medians([
            { _ = try lora.forward(x, rows: m, mode: .training(step: 0), into: y); try device.synchronize() },
            { _ = try qlora.forward(x, rows: m, mode: .training(step: 0), into: y); try device.synchronize() },
            { try lora.backward(outputGradient: dY, saved: savedLoRA, inputGradient: dX); try device.synchronize() },
            { try qlora.backward(outputGradient: dY, saved: savedQLoRA, inputGradient: dX); try device.synchronize() },
        ], options: options, warmUp: 1)
        let (md, sd, rd) = (Double(m), Double(size), Double(r))
        let forward = 2 * md * sd * sd + 4 * md * sd * rd
        let backward = 2 * md * sd * sd + 8 * md * sd * rd
        let plan: [(String, String, Double)] = [("lora", "forward", forward), ("qlora", "forward", forward),
                                               ("lora", "backward", backward), ("qlora", "backward", backward)]
        return zip(plan, times).map { entry, time in
            var record = BenchRecord(suite: "nf4", op: entry.0, device: device.info, m: m, n: size, k: size, flops: entry.2,
                                     median: time.median, repeats: time.repeats)
            record.r = r
            record.pass = entry.1
            record.format = name
            return record
        }
    }

    /// Peak device bytes of one training step (forward through a stack of layers, then backward
    /// with dX) at M=512, r=16, 4096×4096, float32 base vs NF4 base, each on a fresh device
    /// instance so that the counter sees only this run. One layer shows the fixed cost of the
    /// scratch; a stack of 8 shows what the scratch buys once layers share it.
    private func measurePeakMemory(info: DeviceInfo) throws -> [(String, Int, Int)] {
        let (m, size, r) = (512, 4096, 16)
        let tensor = try Self.tensor(rows: size, columns: size)
        let denseValues = NF4Codec.dequantize(tensor)
        var results: [(String, Int, Int)] = []
        for depth in [1, 8] {
            for quantized in [false, true] {
                let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
                let config = LoRAConfig(rank: r, alpha: 32)
                let scratch = DequantizationScratch(device: device)
                var layers: [LoRALinear] = []
                var weightBytes = 0
                for index in 0..<depth {
                    if quantized {
                        let weight = try NF4Weight(tensor, on: device, label: "W\(index) nf4")
                        weightBytes += weight.deviceBytes
                        layers.append(try LoRALinear(quantizedWeight: weight, config: config, stream: UInt32(index), scratch: scratch))
                    } else {
                        let weight = try device.makeBuffer(denseValues, label: "W\(index)")
                        weightBytes += weight.byteCount
                        layers.append(try LoRALinear(weight: weight, inFeatures: size, outFeatures: size, config: config, stream: UInt32(index)))
                    }
                }
                var activation = try device.makeBuffer(.float32, count: m * size, label: "X")
                var saved: [LoRASavedState] = []
                for layer in layers {
                    let (y, state) = try layer.forward(activation, rows: m, mode: .training(step: 0))
                    saved.append(state!)
                    activation = y
                }
                var gradient = try device.makeBuffer(.float32, count: m * size, label: "dY")
                for (layer, state) in zip(layers, saved).reversed() {
                    let dX = try device.makeBuffer(.float32, count: m * size, label: "dX")
                    try layer.backward(outputGradient: gradient, saved: state, parameterUpdate: .accumulate, inputGradient: dX)
                    gradient = dX
                }
                try device.synchronize()
                let name = "\(depth == 1 ? "1 layer" : "\(depth) layers"), \(quantized ? "NF4 (QLoRA)" : "float32 (LoRA)")"
                results.append((name, device.memoryUsage.peakBytes, weightBytes))
            }
        }
        return results
    }
}
