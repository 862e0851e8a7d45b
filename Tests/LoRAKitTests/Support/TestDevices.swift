import Foundation
import LoRAKit
import Testing

/// The devices every per-device test runs on: the host always, plus every OpenCL device present
/// (pocl in CI, a GPU where there is one). CI must have at least one OpenCL device, which
/// `DeviceSelectionTests.openCLDevicePresentInCI` enforces.
enum TestDevices {
    static let all: [DeviceInfo] = Devices.available
    static let openCL: [DeviceInfo] = all.filter { $0.backend == .openCL }

    static func open(_ info: DeviceInfo) throws -> any Device { try Devices.open(info) }

    static var host: any Device { get throws { try Devices.open("host") } }
}

extension DeviceInfo: CustomTestStringConvertible {
    public var testDescription: String { "\(identifier) [\(name)]" }
}

/// Deterministic pseudo-random values in [-1, 1) (SplitMix64), so failures reproduce.
struct SeededValues {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> Float { Float(generator.next() >> 40) / Float(1 << 23) - 1 }

    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}

/// Asserts |actual[i] − expected[i]| ≤ bound[i] for every i, reporting the worst element.
func expectWithin(_ actual: [Float], _ expected: [Double], bound: [Double], _ context: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(context): count \(actual.count) ≠ \(expected.count)", sourceLocation: sourceLocation)
    var worst: (index: Int, excess: Double)?
    for i in 0..<min(actual.count, expected.count) {
        let error = abs(Double(actual[i]) - expected[i])
        if !(error <= bound[i]) {
            let excess = error / max(bound[i], .leastNonzeroMagnitude)
            if worst == nil || excess > worst!.excess { worst = (i, excess) }
        }
    }
    if let worst {
        let i = worst.index
        Issue.record("\(context): element \(i) is \(actual[i]), expected \(expected[i]) ± \(bound[i])",
                     sourceLocation: sourceLocation)
    }
}

/// Unit roundoff of Float (2⁻²⁴).
let float32Roundoff = Double(Float.ulpOfOne) / 2
