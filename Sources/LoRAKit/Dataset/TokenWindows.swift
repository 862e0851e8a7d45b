/// A token stream cut into consecutive non-overlapping windows of `length` tokens (a trailing
/// partial window is dropped), with the last `heldOut` windows set aside for evaluation. Training
/// and evaluation see the same windows, so `eval` on the held-out part equals the training loop's
/// evaluation.
public struct TokenWindows: Sendable {
    public let tokens: [Int32]
    public let length: Int
    public let trainingWindows: Int
    public let heldOutWindows: Int

    /// `heldOutFraction` of the windows (at least one when there are two or more windows and the
    /// fraction is positive) are held out from the end.
    public init(tokens: [Int32], length: Int, heldOutFraction: Double, source: String) throws {
        guard length >= 2 else { throw TrainingError.invalidSetting("sequence length \(length) must be at least 2") }
        let windows = tokens.count / length
        guard windows >= 1 else {
            throw TrainingError.dataTooShort(file: source, tokens: tokens.count, needed: length)
        }
        guard (0..<1).contains(heldOutFraction) else { throw TrainingError.invalidSetting("held-out fraction \(heldOutFraction) must be in [0, 1)") }
        var heldOut = Int((Double(windows) * heldOutFraction).rounded())
        if heldOutFraction > 0, windows >= 2 { heldOut = max(1, heldOut) }
        heldOut = min(heldOut, windows - 1)
        self.tokens = tokens
        self.length = length
        trainingWindows = windows - heldOut
        heldOutWindows = heldOut
    }

    public func window(_ index: Int) -> ArraySlice<Int32> { tokens[(index * length)..<((index + 1) * length)] }

    /// Held-out window i (0-based) of `heldOutWindows`.
    public func heldOutWindow(_ index: Int) -> ArraySlice<Int32> { window(trainingWindows + index) }

    /// The order of the training windows in `epoch` (`SeededOrder`).
    public func order(epoch: Int, seed: UInt64) -> [Int] { SeededOrder.shuffled(count: trainingWindows, epoch: epoch, seed: seed) }
}

extension TokenWindows: TrainingData {
    public var trainingItems: Int { trainingWindows }
    public var sequenceLength: Int { length }

    /// Whole windows, each predicting its next tokens.
    public func batch(of items: [Int]) throws -> SequenceBatch {
        try SequenceBatch.nextToken(items.flatMap { window($0) }, batch: items.count)
    }

    /// Each held-out window on its own.
    public func heldOutBatches() throws -> [SequenceBatch] {
        try (0..<heldOutWindows).map { try SequenceBatch.nextToken(Array(heldOutWindow($0)), batch: 1) }
    }
}
