/// One word being merged: a doubly linked list of symbols and a min-heap of candidate merges.
///
/// The lowest-ranked pair is merged first (ties: leftmost), and only the pairs next to a merge are
/// re-examined, so a word of n symbols takes O(n log n) — long words (a line of dashes, a base64
/// blob) do not go quadratic. Stale heap entries are recognised and skipped, as in tokenizers.
struct BPEWord {
    /// 16 bytes, so a long word's symbols stay in cache.
    private struct Symbol {
        var id: Int32
        var previous: Int32
        var next: Int32
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
        symbols = ids.indices.map { Symbol(id: ids[$0], previous: Int32($0 - 1), next: Int32($0 + 1)) }
    }

    /// Applies `merges` ((left id, right id) → (rank, merged id)) until no pair is mergeable.
    mutating func mergeAll(_ merges: MergeTable) -> [Int32] {
        if symbols.count <= Self.smallWord { return Self.mergeSmall(symbols.map(\.id), merges) }
        return mergeAllWithHeap(merges)
    }

    /// The heap-based merge, for any length.
    mutating func mergeAllWithHeap(_ merges: MergeTable) -> [Int32] {
        var initial: [Candidate] = []
        for position in symbols.indices.dropLast() {
            if let merge = merges[Self.key(symbols[position].id, symbols[position + 1].id)] {
                initial.append(Candidate(rank: merge.rank, position: position, newID: merge.id))
            }
        }
        var heap = MinHeap(initial)
        // One pass over the heap with unchecked access: this loop is most of the time spent on a
        // long word (Llama 2 gives the model whole lines).
        symbols.withUnsafeMutableBufferPointer { symbols in
            let count = Int32(symbols.count)
            while let top = heap.pop() {
                let left = top.position
                guard !symbols[left].removed, symbols[left].next < count else { continue }
                let right = Int(symbols[left].next)
                // Skip entries made stale by an earlier merge of either symbol.
                guard let merge = merges[Self.key(symbols[left].id, symbols[right].id)], merge.id == top.newID else {
                    continue
                }
                symbols[left].id = merge.id
                symbols[left].next = symbols[right].next
                symbols[right].removed = true
                if symbols[right].next < count { symbols[Int(symbols[right].next)].previous = Int32(left) }
                let previous = Int(symbols[left].previous)
                if previous >= 0, let merge = merges[Self.key(symbols[previous].id, symbols[left].id)] {
                    heap.push(Candidate(rank: merge.rank, position: previous, newID: merge.id))
                }
                let next = Int(symbols[left].next)
                if next < count, let merge = merges[Self.key(symbols[left].id, symbols[next].id)] {
                    heap.push(Candidate(rank: merge.rank, position: left, newID: merge.id))
                }
            }
        }
        return symbols.filter { !$0.removed }.map(\.id)
    }

    /// Below this many symbols a plain scan for the best pair beats the heap.
    static let smallWord = 24

    /// The same merges for a short word: repeatedly merge the lowest-ranked adjacent pair (the
    /// leftmost on ties), which is the order the heap pops valid entries in.
    static func mergeSmall(_ start: [Int32], _ merges: MergeTable) -> [Int32] {
        var ids = start
        var pairs: [BPEMerge?] = (0..<max(ids.count - 1, 0)).map { merges[key(ids[$0], ids[$0 + 1])] }
        while true {
            var best = -1
            var bestRank = Int32.max
            for (index, pair) in pairs.enumerated() {
                if let pair, pair.rank < bestRank { best = index; bestRank = pair.rank }
            }
            guard best >= 0, let merge = pairs[best] else { return ids }
            ids[best] = merge.id
            ids.remove(at: best + 1)
            pairs.remove(at: best)
            if best < pairs.count { pairs[best] = merges[key(ids[best], ids[best + 1])] }
            if best > 0 { pairs[best - 1] = merges[key(ids[best - 1], ids[best])] }
        }
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

/// A binary min-heap; the standard library has none. Sifts move a hole instead of swapping.
struct MinHeap<Element: Comparable> {
    private var items: [Element]

    /// Builds the heap from `items` in O(n) (bottom-up), rather than n pushes.
    init(_ items: [Element] = []) {
        self.items = items
        var index = items.count / 2
        while index > 0 {
            index -= 1
            siftDown(from: index)
        }
    }

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard item < items[parent] else { break }
            items[child] = items[parent]
            child = parent
        }
        items[child] = item
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            siftDown(from: 0)
        }
        return first
    }

    private mutating func siftDown(from start: Int) {
        items.withUnsafeMutableBufferPointer { heap in
            let item = heap[start]
            var parent = start
            while true {
                var child = 2 * parent + 1
                if child >= heap.count { break }
                if child + 1 < heap.count && heap[child + 1] < heap[child] { child += 1 }
                guard heap[child] < item else { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = item
        }
    }
}
