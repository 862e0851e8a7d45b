/// How the gradients are cut for the all-reduce: laid end to end in the order the backward pass
/// finishes them (last layer first) and cut every `limit` floats, so no bucket's host copy
/// exceeds the limit. A tensor larger than the limit spans several buckets, rather than making
/// one bucket as large as itself (that host copy would be unbounded: an 8B model's embedding
/// gradient is 2.1 GB); a small tensor may share its bucket with the next one.
public struct GradientBuckets: Sendable, Equatable {
    /// Elements `elements` of tensor `tensor` (an index into the counts), at `offset` in the bucket.
    public struct Segment: Sendable, Equatable {
        public let tensor: Int
        public let elements: Range<Int>
        public let offset: Int

        public init(tensor: Int, elements: Range<Int>, offset: Int) {
            (self.tensor, self.elements, self.offset) = (tensor, elements, offset)
        }
    }

    public struct Bucket: Sendable, Equatable {
        public let segments: [Segment]
        public var count: Int { segments.last.map { $0.offset + $0.elements.count } ?? 0 }
        /// The bucket can be summed once tensors 0...lastTensor are final.
        public var lastTensor: Int { segments.last?.tensor ?? -1 }
    }

    public let buckets: [Bucket]
    public let limit: Int

    /// `counts`: the tensors' element counts, in the order their gradients become final.
    public init(counts: [Int], limit: Int) {
        precondition(limit >= 1 && counts.allSatisfy { $0 >= 0 }, "limit \(limit), counts \(counts)")
        var buckets: [Bucket] = [], current: [Segment] = [], filled = 0
        for (tensor, count) in counts.enumerated() {
            var start = 0
            while start < count {
                let take = min(count - start, limit - filled)
                current.append(Segment(tensor: tensor, elements: start..<(start + take), offset: filled))
                (start, filled) = (start + take, filled + take)
                if filled == limit {
                    buckets.append(Bucket(segments: current))
                    (current, filled) = ([], 0)
                }
            }
        }
        if !current.isEmpty { buckets.append(Bucket(segments: current)) }
        self.buckets = buckets
        self.limit = limit
    }

    /// Floats of the largest bucket: what one host buffer holds.
    public var largest: Int { buckets.map(\.count).max() ?? 0 }
    public var floatCount: Int { buckets.reduce(0) { $0 + $1.count } }
}
