import Foundation

/// Facts about the host CPU read from Linux's /proc/cpuinfo and sysfs, and the fp32 peak derived
/// from them: cores × clock × FLOP per cycle per core, where FLOP per cycle is 2 (multiply and add)
/// × fp32 lanes per FMA pipe × FMA pipes. The pipe widths are per vendor and instruction set,
/// since /proc/cpuinfo does not state them: AMD Zen 4 (family 25) runs AVX-512 on two 256-bit
/// pipes, Zen 5 (family 26) on two full 512-bit pipes (its mobile parts halve that).
/// The clock is the nominal one (cpufreq's maximum where present, else /proc/cpuinfo's "cpu MHz",
/// which virtual machines report as the base clock): boost clocks can take real code past it.
struct HostCPU: Sendable {
    var modelName: String
    var vendor: String
    var cores: Int
    var clockMHz: Int
    var flopsPerCycle: Int
    var simdDescription: String

    static let current = HostCPU.read()

    var peakGFLOPS: Double { Double(cores) * Double(clockMHz) / 1000 * Double(flopsPerCycle) }

    var peakNote: String {
        "\(cores) cores × \(String(format: "%.2f", Double(clockMHz) / 1000)) GHz × \(flopsPerCycle) FLOP/cycle (\(simdDescription); nominal clock, boost can exceed it)"
    }

    private static func read() -> HostCPU {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            for line in cpuinfo.split(separator: "\n") where line.hasPrefix(name) {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let vendor = field("vendor_id") ?? "unknown"
        let isAMD = vendor.contains("AMD")
        let family = Int(field("cpu family") ?? "") ?? 0
        let maxFrequencyKHz = (try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let clockMHz = maxFrequencyKHz.map { $0 / 1000 } ?? Int(Double(field("cpu MHz") ?? "") ?? 0)

        let flopsPerCycle: Int
        let simd: String
        if flags.contains("avx512f") && !isAMD {
            (flopsPerCycle, simd) = (64, "AVX-512, 2 FMA pipes of 16 lanes")
        } else if flags.contains("avx512f") && family >= 26 {
            (flopsPerCycle, simd) = (64, "AVX-512 on AMD Zen 5's 2 FMA pipes of 16 lanes")
        } else if flags.contains("avx512f") {
            (flopsPerCycle, simd) = (32, "AVX-512 on AMD Zen 4's 2 FMA pipes of 8 lanes")
        } else if flags.contains("avx2") && flags.contains("fma") {
            (flopsPerCycle, simd) = (32, "AVX2, 2 FMA pipes of 8 lanes")
        } else if flags.contains("avx") {
            (flopsPerCycle, simd) = (16, "AVX, separate add and multiply pipes of 8 lanes")
        } else if flags.contains("asimd") || flags.contains("neon") {
            (flopsPerCycle, simd) = (16, "NEON, 2 FMA pipes of 4 lanes")
        } else {
            (flopsPerCycle, simd) = (8, "SSE, separate add and multiply pipes of 4 lanes")
        }
        return HostCPU(modelName: field("model name") ?? "host CPU", vendor: vendor,
                       cores: ProcessInfo.processInfo.activeProcessorCount, clockMHz: clockMHz,
                       flopsPerCycle: flopsPerCycle, simdDescription: simd)
    }
}
