/// Which heads' score matrices attention holds at once: every head of every sequence when they
/// fit `scoreBudgetBytes`, else runs of whole key/value groups inside one sequence.
struct ScoreChunk: Equatable {
    /// (sequence, key/value head) pairs in order, flat index b·kvHeads + g.
    let pairs: Range<Int>
    /// The sequence of a chunk that lies inside one (the first sequence otherwise).
    let sequence: Int

    func pairs(keyValueHeads kv: Int) -> [(Int, Int)] { pairs.map { ($0 / kv, $0 % kv) } }
    /// The head row (b·heads + h) of the chunk's first score matrix.
    func firstHead(_ group: Int) -> Int { pairs.lowerBound * group }
    func headCount(_ group: Int) -> Int { pairs.count * group }
}

extension CausalAttention {
    /// Bytes of the score matrices of one key/value group of one sequence.
    var groupScoreBytes: Int { group * sequenceLength * sequenceLength * MemoryLayout<Float>.size }

    /// The chunks of a batch: one for everything when it fits the budget; otherwise, per
    /// sequence, as many key/value groups as fit (at least one).
    func chunks(batch: Int) -> [ScoreChunk] {
        let all = batch * keyValueHeads
        if all * groupScoreBytes <= scoreBudgetBytes { return [ScoreChunk(pairs: 0..<all, sequence: 0)] }
        let perChunk = max(1, min(keyValueHeads, scoreBudgetBytes / groupScoreBytes))
        return (0..<batch).flatMap { b in
            stride(from: 0, to: keyValueHeads, by: perChunk).map { g in
                ScoreChunk(pairs: (b * keyValueHeads + g)..<(b * keyValueHeads + min(keyValueHeads, g + perChunk)), sequence: b)
            }
        }
    }
}
