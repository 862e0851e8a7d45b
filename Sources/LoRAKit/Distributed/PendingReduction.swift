/// A sum over the ranks that has been started and may not have finished (an MPI_Iallreduce's
/// request). Its buffer must stay allocated and untouched until `test()` has returned true or
/// `wait()` has returned: until then MPI may still read and write it.
public protocol PendingReduction: AnyObject {
    /// True once the sum is in the buffer. Open MPI has no progress thread by default, so a
    /// nonblocking collective moves only inside MPI calls: testing is also what advances it.
    func test() throws -> Bool
    /// Returns once the sum is in the buffer.
    func wait() throws
}

/// The reduction of a single process, done when it starts: the sum over one rank is its own values.
public final class FinishedReduction: PendingReduction {
    public init() {}
    public func test() throws -> Bool { true }
    public func wait() throws {}
}
