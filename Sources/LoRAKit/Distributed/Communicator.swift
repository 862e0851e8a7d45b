/// The processes of one data-parallel run, as the trainer sees them: which one this is, how many
/// there are, and the few collective operations training needs. `SingleProcess` is the run
/// started without `mpirun`; `MPICommunicator` the one it started. Every collective must be
/// called by every rank, in the same order, with buffers of the same length.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size; rank 0 alone prints and writes files.
    var rank: Int { get }
    var size: Int { get }
    /// The index among the ranks on this machine (which local GPU to take).
    var localRank: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over the ranks.
    func allReduceSum(_ values: inout [Float]) throws
    func allReduceSum(_ values: inout [Double]) throws
    /// Starts replacing `values` by their element-wise sum over the ranks and returns at once;
    /// the memory must stay valid and untouched until the returned reduction has finished.
    /// Ranks start their reductions in the same order, as for the blocking collectives.
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingReduction
    /// Replaces `bytes` on every rank by `root`'s; every rank passes the same count.
    func broadcast(_ bytes: inout [UInt8], root: Int) throws
    func barrier() throws
    /// Ends every rank of the run with status 1 after this rank printed `message` on stderr.
    func abort(_ message: String) -> Never
    /// Ends the collective part of the run (MPI_Finalize); call once, at the end of a run that did not fail.
    func finish()
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }
}

/// A failed MPI call, with MPI's own description of the error.
public struct DistributedError: Error, CustomStringConvertible, Sendable, Equatable {
    public let call: String
    public let detail: String

    public var description: String { "\(call) failed: \(detail)" }
}
