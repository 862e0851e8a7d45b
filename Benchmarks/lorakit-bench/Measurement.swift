import Foundation
import LoRAKit

/// Wall-clock timing. Device work is finished with `synchronize()` inside each timed call
/// (CLBlast's event covers only its last kernel, so events are not used).
enum Measurement {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Times each of `cases` after `warmUp` untimed runs, interleaving them round-robin so that
    /// machine noise hits all of them alike (their ratios are what the benchmarks report), and
    /// returns each case's median time in seconds and its number of timed runs.
    static func medians(_ cases: [() throws -> Void], options: BenchOptions, warmUp: Int = 2) throws -> [(median: Double, repeats: Int)] {
        for run in cases {
            for _ in 0..<warmUp { try run() }
        }
        var times = [[Double]](repeating: [], count: cases.count)
        let start = now()
        while times[0].count < options.minRepeats || (now() - start < options.minTime && times[0].count < 1000) {
            for (index, run) in cases.enumerated() {
                let begin = now()
                try run()
                times[index].append(now() - begin)
            }
        }
        return times.map { samples in
            let sorted = samples.sorted()
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            return (median, samples.count)
        }
    }

    /// The devices named on the command line, or every device.
    static func devices(_ options: BenchOptions) throws -> [any Device] {
        if options.devices.isEmpty { return try Devices.available.map { try Devices.open($0) } }
        return try options.devices.map { try Devices.open($0) }
    }
}
