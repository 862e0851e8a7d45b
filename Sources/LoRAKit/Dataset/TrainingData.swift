/// What a `Trainer` draws from: training items (windows of a token stream, or examples, or
/// packed sequences of examples) that it visits in a seeded order, and held-out micro-batches.
public protocol TrainingData {
    /// The number of training items.
    var trainingItems: Int { get }
    /// The longest sequence a micro-batch holds (`--seq-len`); checkpoints record it.
    var sequenceLength: Int { get }
    /// The micro-batch of these training items, in this order.
    func batch(of items: [Int]) throws -> SequenceBatch
    /// The held-out micro-batches for evaluation (none when nothing is held out).
    func heldOutBatches() throws -> [SequenceBatch]
}

/// The order of `count` items in `epoch`: a Fisher–Yates shuffle driven by Philox under `seed`,
/// so it depends only on (seed, epoch) and a resumed run sees the same order.
public enum SeededOrder {
    public static func shuffled(count: Int, epoch: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<count)
        let key = Philox.Key(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32) ^ 0x7368_7566)   // "shuf"
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let words = Philox.generate(counter: Philox.Counter(UInt32(i), UInt32(epoch), 0, 0), key: key)
            let random = (UInt64(words[0]) << 32 | UInt64(words[1]))
            order.swapAt(i, Int(random % UInt64(i + 1)))
        }
        return order
    }
}
