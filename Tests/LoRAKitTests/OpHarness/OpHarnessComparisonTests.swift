import Foundation
import LoRAKit
import Testing

/// The harness's comparisons themselves: each tolerance lets through what it should and names
/// the worst element of what it should not, so a passing harness means something.
@Suite("Op harness comparisons")
struct OpHarnessComparisonTests {
    @Test("bit-exact: one ulp, the sign of zero and NaN payloads (strict on CPUs) all fail")
    func bitExact() throws {
        let host = OpArray.float32([1, 0, .nan, 2])
        let oneUlp = OpArray.float32([1, 0, .nan, Float(2).nextUp])
        let mismatch = try #require(OpComparison.against(host: host, oneUlp, tolerance: .bitExact, bound: nil, anyNaN: false))
        #expect(mismatch.index == 3 && mismatch.failures == 1, "\(mismatch)")
        #expect(OpComparison.against(host: host, .float32([1, -0.0, .nan, 2]), tolerance: .bitExact, bound: nil, anyNaN: false)?.index == 1)
        let payload = OpArray.float32([1, 0, Float(bitPattern: 0x7FC0_0001), 2])
        #expect(OpComparison.against(host: host, payload, tolerance: .bitExact, bound: nil, anyNaN: false)?.index == 2)
        #expect(OpComparison.against(host: host, payload, tolerance: .bitExact, bound: nil, anyNaN: true) == nil, "any NaN off CPUs")
        #expect(OpComparison.against(reference: ReferenceOutput([1, 0, .nan, 2]), payload, tolerance: .bitExact) == nil)
        #expect(OpComparison.against(reference: ReferenceOutput([1, 0, .nan, 2.5]), host, tolerance: .bitExact)?.index == 3)
        let largest = OpComparison.against(host: .float32([1, 2, 3]), .float32([1.25, 2, 4]), tolerance: .bitExact, bound: nil, anyNaN: false)
        #expect(largest?.index == 2 && largest?.failures == 2, "bit-exact names the largest error: \(String(describing: largest))")
    }

    @Test("close and bound tolerances: the worst element by how far past its allowance, and the count")
    func boundedTolerances() throws {
        let expected = OpArray.float32([100, 1, 0, -3])
        let actual = OpArray.float32([100.5, 1.2, 0, .nan])
        let close = try #require(OpComparison.against(host: expected, actual, tolerance: .close(absolute: 0.1, relative: 0.01),
                                                      bound: nil, anyNaN: false))
        #expect(close.index == 3 && close.failures == 2, "NaN where a number is expected is the worst: \(close)")
        let within = OpArray.float32([100.5, 1.0625, 0.0625, -3])
        #expect(OpComparison.against(host: expected, within, tolerance: .close(absolute: 0.1, relative: 0.01), bound: nil, anyNaN: false) == nil)
        let reference = ReferenceOutput([100, 1, 0, -3], bound: [1, 0.1, 0, 0])
        let bounded = try #require(OpComparison.against(reference: reference, within, tolerance: .referenceBound(factor: 1)))
        #expect(bounded.index == 2 && bounded.failures == 1, "a bound of 0 means exact: \(bounded)")
        #expect(OpComparison.against(host: expected, within, tolerance: .referenceBound(factor: 2), bound: [1, 0.1, 0.05, 0], anyNaN: false) == nil)
        #expect(OpComparison.against(reference: ReferenceOutput([1]), expected, tolerance: .bitExact)?.failures == 1, "counts differ")
    }
}
