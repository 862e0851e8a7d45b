import Foundation

/// What a double-precision reference gives for one output: the exact values and, where the
/// reference can bound it, how far a float32 evaluation may be from each (`referenceBound`).
struct ReferenceOutput {
    var values: [Double]
    var bound: [Double]?

    init(_ values: [Double], bound: [Double]? = nil) {
        self.values = values
        self.bound = bound
    }
}

/// How close an output must be, to the host's result or to the reference.
enum OpTolerance: CustomStringConvertible, Sendable {
    /// Stored bits equal (against a reference: the value, sign of zero included). A NaN matches
    /// any NaN on a non-CPU device only, as in the GGUF tests: GPUs return their own canonical NaN.
    case bitExact
    /// |actual − expected| ≤ absolute + relative·|expected|.
    case close(absolute: Double, relative: Double)
    /// |actual − expected| ≤ factor·bound[i], the reference's per-element bound of a float32
    /// evaluation; between two devices factor 2 (each is within the bound of the exact value).
    case referenceBound(factor: Double)

    var description: String {
        switch self {
        case .bitExact: return "bit-exact"
        case .close(let absolute, let relative): return "\(absolute) + \(relative)·|expected|"
        case .referenceBound(let factor): return "\(factor) × the reference's error bound"
        }
    }

    var needsReferenceBound: Bool {
        if case .referenceBound = self { return true }
        return false
    }
}

/// The outcome of comparing one output: nil when every element is within its tolerance.
struct OpMismatch: CustomStringConvertible {
    var index: Int
    var actual: String
    var expected: String
    var error: Double
    var allowed: Double
    var failures: Int
    var count: Int
    /// What `expected` is: "host" or "reference".
    var source = "expected"

    var description: String {
        "\(failures) of \(count) elements outside; worst element \(index): \(actual), \(source) \(expected), "
            + "error \(error) > allowed \(allowed)"
    }
}

enum OpComparison {
    /// `actual` against the host's result for the same inputs (`bound`: the reference's, for `referenceBound`).
    static func against(host: OpArray, _ actual: OpArray, tolerance: OpTolerance, bound: [Double]?, anyNaN: Bool) -> OpMismatch? {
        var mismatch: OpMismatch?
        if case .bitExact = tolerance {
            mismatch = worst(actual, describeExpected: host.describe) { i in
                let same = actual.bits(i) == host.bits(i) || (anyNaN && actual.value(i).isNaN && host.value(i).isNaN)
                return (same, same ? 0 : difference(actual.value(i), host.value(i)), 0)
            }
        } else {
            mismatch = worst(actual, describeExpected: host.describe) { i in
                within(actual.value(i), host.value(i), allowed(tolerance, expected: host.value(i), bound: bound?[i]))
            }
        }
        mismatch?.source = "host"
        return mismatch
    }

    /// `actual` against the reference's exact values.
    static func against(reference: ReferenceOutput, _ actual: OpArray, tolerance: OpTolerance) -> OpMismatch? {
        guard reference.values.count == actual.count else {
            return OpMismatch(index: 0, actual: "\(actual.count) elements", expected: "\(reference.values.count)", error: .infinity,
                              allowed: 0, failures: 1, count: actual.count)
        }
        var mismatch: OpMismatch?
        if case .bitExact = tolerance {
            mismatch = worst(actual, describeExpected: { "\(reference.values[$0])" }) { i in
                let (a, e) = (actual.value(i), reference.values[i])
                let same = (a == e && a.sign == e.sign) || (a.isNaN && e.isNaN)
                return (same, same ? 0 : difference(a, e), 0)
            }
        } else {
            mismatch = worst(actual, describeExpected: { "\(reference.values[$0])" }) { i in
                within(actual.value(i), reference.values[i], allowed(tolerance, expected: reference.values[i], bound: reference.bound?[i]))
            }
        }
        mismatch?.source = "reference"
        return mismatch
    }

    private static func allowed(_ tolerance: OpTolerance, expected: Double, bound: Double?) -> Double {
        switch tolerance {
        case .bitExact: return 0
        case .close(let absolute, let relative): return absolute + relative * abs(expected)
        case .referenceBound(let factor): return factor * (bound ?? 0)
        }
    }

    /// NaN only matches NaN; infinities only the same infinity.
    private static func within(_ actual: Double, _ expected: Double, _ allowed: Double) -> (Bool, Double, Double) {
        if actual.isNaN || expected.isNaN { return (actual.isNaN && expected.isNaN, .nan, allowed) }
        if actual.isInfinite || expected.isInfinite { return (actual == expected, .infinity, allowed) }
        let error = abs(actual - expected)
        return (error <= allowed, error, allowed)
    }

    private static func difference(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : abs(a - b) }

    /// The element that misses its tolerance by the largest factor (where nothing is allowed, or
    /// the error is not finite: the largest error, NaN first), and how many miss.
    private static func worst(_ actual: OpArray, describeExpected: (Int) -> String,
                              check: (Int) -> (ok: Bool, error: Double, allowed: Double)) -> OpMismatch? {
        var found: OpMismatch?, worstScore = (-Double.infinity, -Double.infinity), failures = 0
        for i in 0..<actual.count {
            let (ok, error, allowed) = check(i)
            if ok { continue }
            failures += 1
            let size = error.isNaN ? Double.infinity : error
            let score = (allowed > 0 && error.isFinite ? error / allowed : .infinity, size)
            if found == nil || score > worstScore {
                worstScore = score
                found = OpMismatch(index: i, actual: actual.describe(i), expected: describeExpected(i), error: error,
                                   allowed: allowed, failures: 0, count: actual.count)
            }
        }
        found?.failures = failures
        return found
    }
}
