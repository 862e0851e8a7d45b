import Foundation
import LoRAKit
import LoRAKitReferenceBackend
import Testing

/// The op harness's tests: the registry covers `DeviceOperation` exactly; every device runs
/// every op itself; every entry at every shape equals the host twin on every other device
/// within its tolerance, and where it has a double-precision reference, every device (the host
/// included) is within the reference's tolerance. Each case reports on its own.
@Suite("Op harness")
struct OpHarnessTests {
    /// The devices compared against the host: every OpenCL device present (pocl in CI).
    static let otherDevices = TestDevices.all.filter { $0.backend != .host }

    @Test("the registry has exactly one entry per DeviceOperation, in its family")
    func registryCoversEveryOperation() {
        let registered = OpHarness.entries.map(\.operation)
        let missing = DeviceOperation.allCases.filter { !registered.contains($0) }
        #expect(missing.isEmpty, "DeviceOperation cases without a harness entry: \(missing.map(\.rawValue).joined(separator: ", "))")
        let repeated = Dictionary(grouping: registered, by: { $0 }).filter { $0.value.count > 1 }.keys.map(\.rawValue)
        #expect(repeated.isEmpty, "operations with more than one entry: \(repeated.sorted())")
        for (family, entries) in OpHarness.families {
            let strangers = entries.filter { $0.operation.family != family }.map(\.operation.rawValue)
            #expect(strangers.isEmpty, "entries listed under \(family) belong to another family: \(strangers)")
        }
    }

    @Test("every entry has an odd and a round shape and a tolerance per output", arguments: OpHarness.entries)
    func entryIsComplete(entry: OpHarnessEntry) {
        let (odd, round) = (entry.shapes.contains { $0.isOdd }, entry.shapes.contains { $0.isRound })
        #expect(odd, "\(entry): no shape with an odd dimension in \(entry.shapes)")
        #expect(round, "\(entry): no shape with every dimension a power of two or a multiple of 8 in \(entry.shapes)")
        #expect(!entry.tolerances.isEmpty, "\(entry): no outputs")
        #expect(entry.hasReference || entry.tolerances.values.allSatisfy { $0.reference == nil },
                "\(entry): reference tolerances without a reference")
    }

    @Test("host and OpenCL devices run every operation themselves", arguments: TestDevices.all)
    func supportsEveryOperation(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let unsupported = DeviceOperation.allCases.filter { !device.supports($0) }
        #expect(unsupported.isEmpty, "\(info.testDescription) does not support \(unsupported.map(\.rawValue))")
    }

    @Test("equals the host twin within the entry's tolerance", arguments: OpHarness.cases, otherDevices)
    func matchesHost(c: OpHarnessCase, info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        // A partial backend is checked on what it runs; supportsEveryOperation requires all here.
        guard device.supports(c.entry.operation) else { return }
        try OpHarnessCheck.againstHost(c, on: device)
    }

    @Test("within the double-precision reference's tolerance", arguments: OpHarness.referenceCases, TestDevices.all)
    func matchesReference(c: OpHarnessCase, info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        guard device.supports(c.entry.operation) else { return }
        try OpHarnessCheck.againstReference(c, on: device)
    }

    /// Every operation through `OffloadingDevice` with the GEMM-only reference backend as primary:
    /// GEMM runs there, everything else is staged to the host and back, so a missing operand or
    /// output in the routing (an output not copied back, an input not staged) fails here.
    @Test("through OffloadingDevice (GEMM-only reference backend + host) equals the host twin", arguments: OpHarness.cases)
    func matchesHostThroughOffloading(c: OpHarnessCase) throws {
        let device = OffloadingDevice(primary: ReferenceGEMMDevice(), fallback: try TestDevices.host)
        try OpHarnessCheck.againstHost(c, on: device)
        if c.entry.operation != .gemm {
            #expect(device.offloadedOperations[c.entry.operation] ?? 0 > 0, "\(c.testDescription) ran on the host")
        }
    }
}
