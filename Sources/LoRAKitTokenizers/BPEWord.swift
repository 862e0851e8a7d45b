/// One word being merged: a doubly linked list of symbols and a min-heap of candidate merges.
///
/// The lowest-ranked pair is merged first (ties: leftmost), and only the pairs next to a merge are
/// re-examined, so a word of n symbols takes O(n log n) — long words (a line of dashes, a base64
/// blob) do not go quadratic. Stale heap entries are recognised and skipped, as in tokenizers.
struct BPEWord {
    private struct Symbol {
        var id: Int32
        var previous: Int
        var next: Int
        var removed = false
    }

    /// Ordered by rank, then position, packed into one integer so the heap compares cheaply.
    private struct Candidate: Comparable {
        let order: UInt64
        let newID: Int32
        init(rank: Int32, position: Int, newID: Int32) {
            order = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(truncatingIfNeeded: position))
            self.newID = newID
        }
        var position: Int { Int(order & 0xFFFF_FFFF) }
        static func < (a: Candidate, b: Candidate) -> Bool { a.order < b.order }
        static func == (a: Candidate, b: Candidate) -> Bool { a.order == b.order }
    }

    private var symbols: [Symbol]

    init(ids: [Int32]) {
        symbols = ids.indices.map { Symbol(id: ids[$0], previous: $0 - 1, next: $0 + 1) }
    }

    /// Applies `merges` ((left id, right id) → (rank, merged id)) until no pair is mergeable.
    mutating func mergeAll(_ merges: [UInt64: BPEMerge]) -> [Int32] {
        var heap = MinHeap<Candidate>()
        for position in symbols.indices.dropLast() {
            if let merge = merges[Self.key(symbols[position].id, symbols[position + 1].id)] {
                heap.push(Candidate(rank: merge.rank, position: position, newID: merge.id))
            }
        }
        while let top = heap.pop() {
            let left = top.position
            guard !symbols[left].removed, symbols[left].next < symbols.count else { continue }
            let right = symbols[left].next
            // Skip entries made stale by an earlier merge of either symbol.
            guard let merge = merges[Self.key(symbols[left].id, symbols[right].id)], merge.id == top.newID else {
                continue
            }
            symbols[left].id = merge.id
            symbols[left].next = symbols[right].next
            symbols[right].removed = true
            if symbols[right].next < symbols.count { symbols[symbols[right].next].previous = left }
            let previous = symbols[left].previous
            if previous >= 0, let merge = merges[Self.key(symbols[previous].id, symbols[left].id)] {
                heap.push(Candidate(rank: merge.rank, position: previous, newID: merge.id))
            }
            let next = symbols[left].next
            if next < symbols.count, let merge = merges[Self.key(symbols[left].id, symbols[next].id)] {
                heap.push(Candidate(rank: merge.rank, position: left, newID: merge.id))
            }
        }
        return symbols.filter { !$0.removed }.map(\.id)
    }

    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// What merging a pair gives: its priority (lower merges first) and the merged token's id.
struct BPEMerge: Sendable {
    let rank: Int32
    let id: Int32
}

/// A binary min-heap; the standard library has none.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
