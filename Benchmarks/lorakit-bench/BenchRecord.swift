import Foundation
import LoRAKit

/// One measured case, printed as a JSON line with `--json`.
struct BenchRecord: Encodable {
    var suite: String
    var op: String
    var device: String
    var deviceName: String
    var m: Int
    var n: Int
    var k: Int
    var batch = 1
    var medianS: Double
    var repeats: Int
    var gflops: Double
    var peakGflops: Double?
    var peakFraction: Double?
    /// LoRA suite: the rank, `forward` or `backward`, and the dropout probability (nil elsewhere,
    /// and then left out of the JSON).
    var r: Int?
    var pass: String?
    var dropout: Double?
    /// Memory-bound suites: bytes moved per second (1e9), and peak device bytes where measured.
    var gbps: Double?
    var peakBytes: Int?
    /// nf4 suite: the quantized base's format (NF4, or a GGUF block type such as Q4_K).
    var format: String?

    enum CodingKeys: String, CodingKey {
        case suite, op, device, m, n, k, batch, repeats, gflops, r, pass, dropout, gbps, format
        case peakBytes = "peak_bytes"
        case deviceName = "device_name"
        case medianS = "median_s"
        case peakGflops = "peak_gflops"
        case peakFraction = "peak_fraction"
    }

    init(suite: String, op: String, device: DeviceInfo, m: Int, n: Int, k: Int, flops: Double, median: Double, repeats: Int) {
        self.suite = suite
        self.op = op
        self.device = device.identifier
        self.deviceName = device.name
        self.m = m
        self.n = n
        self.k = k
        self.medianS = median
        self.repeats = repeats
        self.gflops = flops / median / 1e9
        self.peakGflops = device.peakGFLOPS
        self.peakFraction = device.peakGFLOPS.map { gflops / $0 }
    }

    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

enum Format {
    static func fixed(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
    static func percent(_ value: Double?) -> String { value.map { String(format: "%.0f %%", $0 * 100) } ?? "n/a" }
}
