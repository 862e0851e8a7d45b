import Foundation

/// What a device has done since it was opened, counted by LoRAKit itself: how often it created
/// or reused an allocation, waited for its queue, read or wrote host memory synchronously, and
/// launched kernels (its own; CLBlast's GEMMs are counted as GEMM calls). The benchmarks report
/// these per training step: in steady state a step should create no buffers and wait rarely.
public struct OperationCounts: Sendable, Equatable {
    public var buffersCreated = 0
    public var buffersReused = 0
    /// clFinish: `synchronize()` and the wait after a new buffer's first fill.
    public var queueDrains = 0
    public var blockingReads = 0
    public var blockingWrites = 0
    public var kernelLaunches = 0
    public var gemmCalls = 0

    public init() {}

    /// Every count, for arithmetic over all of them.
    static var fields: [WritableKeyPath<OperationCounts, Int>] {
        [\.buffersCreated, \.buffersReused, \.queueDrains, \.blockingReads, \.blockingWrites, \.kernelLaunches, \.gemmCalls]
    }

    /// Each count of `self` minus that of `earlier`.
    public func since(_ earlier: OperationCounts) -> OperationCounts {
        var difference = self
        for field in Self.fields { difference[keyPath: field] -= earlier[keyPath: field] }
        return difference
    }
}

/// Thread-safe accumulation of a device's `OperationCounts`.
final class OperationCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts = OperationCounts()

    var snapshot: OperationCounts { lock.withLock { counts } }

    func add(_ field: WritableKeyPath<OperationCounts, Int>, _ amount: Int = 1) {
        lock.withLock { counts[keyPath: field] += amount }
    }
}
