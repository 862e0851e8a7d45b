import Foundation

/// The run of one process (not launched by `mpirun`): rank 0 of 1, every collective the
/// identity, and no MPI library touched at all.
public final class SingleProcess: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localRank: Int { 0 }
    public func allReduceSum(_ values: inout [Float]) throws {}
    public func allReduceSum(_ values: inout [Double]) throws {}
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingReduction { FinishedReduction() }
    public func broadcast(_ bytes: inout [UInt8], root: Int) throws {
        guard root == 0 else { throw DistributedError(call: "broadcast", detail: "root \(root) is not a rank of a single process") }
    }
    public func barrier() throws {}
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
    public func finish() {}
}
