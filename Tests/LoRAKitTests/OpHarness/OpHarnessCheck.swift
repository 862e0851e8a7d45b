import Foundation
import LoRAKit
import Testing

/// Runs a case and records one issue per output that misses its tolerance, naming the op, the
/// shape, the device, the output, the worst element and its error.
enum OpHarnessCheck {
    /// `device`'s outputs against the host's for the same inputs.
    static func againstHost(_ c: OpHarnessCase, on device: any Device, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let prepared = try c.entry.prepare(c.shape)
        let host = try prepared.run(try TestDevices.host)
        let actual = try prepared.run(device)
        let needsBound = c.entry.tolerances.values.contains { $0.host.needsReferenceBound }
        let reference = needsBound ? try prepared.reference?() : nil
        guard outputNames(actual, match: Set(c.entry.tolerances.keys), c, device, "outputs", sourceLocation) else { return }
        for (name, tolerance) in c.entry.tolerances.sorted(by: { $0.key < $1.key }) {
            let (mine, theirs) = (actual[name]!, host[name]!)
            if tolerance.host.needsReferenceBound, reference?[name]?.bound == nil {
                Issue.record("\(c.testDescription): output '\(name)' is compared by the reference's bound, which the entry does not give",
                             sourceLocation: sourceLocation)
                continue
            }
            let mismatch = mine.count != theirs.count
                ? OpMismatch(index: 0, actual: "\(mine.count) elements", expected: "\(theirs.count)", error: .infinity, allowed: 0, failures: 1, count: mine.count)
                : OpComparison.against(host: theirs, mine, tolerance: tolerance.host, bound: reference?[name]?.bound,
                                       anyNaN: device.info.kind != .cpu)
            if let mismatch {
                let message = "\(c.testDescription) on \(device.info.testDescription): output '\(name)' (\(mine.typeName)) "
                    + "against the host, tolerance \(tolerance.host): \(mismatch)"
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            }
        }
    }

    /// `device`'s outputs against the entry's double-precision reference.
    static func againstReference(_ c: OpHarnessCase, on device: any Device, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let prepared = try c.entry.prepare(c.shape)
        guard let makeReference = prepared.reference else { return }
        let actual = try prepared.run(device), reference = try makeReference()
        let referenced = c.entry.tolerances.filter { $0.value.reference != nil }
        guard outputNames(reference, match: Set(referenced.keys), c, device, "reference outputs", sourceLocation) else { return }
        for (name, tolerance) in referenced.sorted(by: { $0.key < $1.key }) {
            guard let mine = actual[name] else {
                Issue.record("\(c.testDescription): run returned no output '\(name)'", sourceLocation: sourceLocation)
                continue
            }
            if let mismatch = OpComparison.against(reference: reference[name]!, mine, tolerance: tolerance.reference!) {
                let message = "\(c.testDescription) on \(device.info.testDescription): output '\(name)' (\(mine.typeName)) "
                    + "against the reference, tolerance \(tolerance.reference!): \(mismatch)"
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            }
        }
    }

    /// Whether the outputs are exactly those the entry states tolerances for (recorded if not).
    private static func outputNames<Value>(_ outputs: [String: Value], match expected: Set<String>, _ c: OpHarnessCase,
                                           _ device: any Device, _ what: String, _ sourceLocation: SourceLocation) -> Bool {
        let names = Set(outputs.keys)
        guard names == expected else {
            let message = "\(c.testDescription) on \(device.info.identifier): \(what) \(names.sorted()) are not the outputs with "
                + "tolerances \(expected.sorted())"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return false
        }
        return true
    }
}
