/// The merges as an open-addressing hash table from a (left id, right id) pair to its merge.
///
/// Merging looks up a pair for every candidate it considers, which makes this the hottest
/// lookup of encoding; a multiplicative hash with linear probing is several times faster than a
/// Dictionary's SipHash here.
struct MergeTable: Sendable {
    private var keys: [UInt64]
    private var values: [BPEMerge]
    private let shift: UInt64
    private let mask: Int
    private(set) var count = 0
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16, bits: UInt64 = 4
        while size < capacity * 2 { size *= 2; bits += 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [BPEMerge](repeating: BPEMerge(rank: 0, id: 0), count: size)
        shift = 64 - bits
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Sets or replaces (a later duplicate merge wins, as in tokenizers' HashMap).
    mutating func set(_ key: UInt64, _ value: BPEMerge) {
        var index = slot(key)
        while keys[index] != Self.empty && keys[index] != key { index = (index + 1) & mask }
        if keys[index] == Self.empty { count += 1 }
        keys[index] = key
        values[index] = value
    }

    @inline(__always)
    subscript(key: UInt64) -> BPEMerge? {
        var index = slot(key)
        while true {
            let found = keys[index]
            if found == key { return values[index] }
            if found == Self.empty { return nil }
            index = (index + 1) & mask
        }
    }
}
