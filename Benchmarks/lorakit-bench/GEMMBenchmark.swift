import ArgumentParser
import LoRAKit

/// SGEMM on every device: square sizes and the skinny shapes of a LoRA layer's two low-rank
/// products (tokens × in × r and tokens × r × out). On the host, OpenBLAS called directly is
/// timed in the same interleaved loop, so "vs direct" is LoRAKit's overhead on the same work.
struct GEMMBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "SGEMM GFLOP/s per device, with share of peak and OpenBLAS called directly as the baseline.")

    @OptionGroup var options: BenchOptions

    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
        (512, 4096, 16), (512, 16, 4096),
    ]

    func run() throws {
        var table = TextTable(header: ["device", "M×K×N", "median ms", "GFLOP/s", "% of peak", "OpenBLAS direct GFLOP/s", "LoRAKit / direct"],
                              rightAligned: [2, 3, 4, 5, 6])
        for device in try Measurement.devices(options) {
            for shape in Self.shapes {
                let (m, k, n) = shape
                let a = try device.makeBuffer(.float32, count: m * k, label: "A")
                let b = try device.makeBuffer(.float32, count: k * n, label: "B")
                let c = try device.makeBuffer(.float32, count: m * n, label: "C")
                try a.upload((0..<(m * k)).map { Float($0 % 17) / 17 - 0.5 })
                try b.upload((0..<(k * n)).map { Float($0 % 13) / 13 - 0.5 })
                let viaLoRAKit = {
                    try device.gemm(m: m, n: n, k: k, a: a, b: b, c: c)
                    try device.synchronize()
                }
                let flops = 2 * Double(m) * Double(n) * Double(k)
                var records: [BenchRecord] = []
                if device.info.backend == .host {
                    let direct = OpenBLASDirect(m: m, n: n, k: k)
                    let times = try Measurement.medians([viaLoRAKit, { direct.run() }], options: options)
                    records.append(BenchRecord(suite: "gemm", op: "sgemm", device: device.info, m: m, n: n, k: k,
                                               flops: flops, median: times[0].median, repeats: times[0].repeats))
                    records.append(BenchRecord(suite: "gemm", op: "openblas_direct", device: device.info, m: m, n: n, k: k,
                                               flops: flops, median: times[1].median, repeats: times[1].repeats))
                } else {
                    let times = try Measurement.medians([viaLoRAKit], options: options)
                    records.append(BenchRecord(suite: "gemm", op: "sgemm", device: device.info, m: m, n: n, k: k,
                                               flops: flops, median: times[0].median, repeats: times[0].repeats))
                }
                if options.json {
                    records.forEach { print($0.jsonLine) }
                } else {
                    let ours = records[0]
                    let direct = records.count > 1 ? records[1] : nil
                    table.append([device.info.identifier, "\(m)×\(k)×\(n)", Format.fixed(ours.medianS * 1000, 2),
                                  Format.fixed(ours.gflops), Format.percent(ours.peakFraction),
                                  direct.map { Format.fixed($0.gflops) } ?? "-",
                                  direct.map { Format.fixed(ours.gflops / $0.gflops, 2) } ?? "-"])
                }
            }
        }
        if !options.json {
            print(table.rendered)
            print("\nPeak (fp32, estimated):")
            for device in try Measurement.devices(options) {
                let peak = device.info.peakGFLOPS.map { Format.fixed($0) + " GFLOP/s" } ?? "n/a"
                print("  \(device.info.identifier): \(peak) — \(device.info.peakNote)")
            }
        }
    }
}
