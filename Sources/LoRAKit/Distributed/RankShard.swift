/// This rank's part of what all ranks draw alike: of a global batch (or of the held-out
/// batches), rank k of N takes items k, k+N, k+2N, … Every rank walks the same seeded order, so
/// no data is exchanged and the parts cover the whole exactly once.
public struct RankShard: Sendable, Equatable {
    public let rank: Int
    public let size: Int

    public init(rank: Int, size: Int) {
        precondition(size >= 1 && (0..<size).contains(rank), "rank \(rank) of \(size)")
        (self.rank, self.size) = (rank, size)
    }

    public init(_ communicator: any Communicator) {
        self.init(rank: communicator.rank, size: communicator.size)
    }

    public func take<T>(_ items: [T]) -> [T] {
        stride(from: rank, to: items.count, by: size).map { items[$0] }
    }
}
