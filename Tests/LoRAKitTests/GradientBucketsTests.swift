import LoRAKit
import Testing

/// How the gradients are cut into all-reduce buckets: end to end in backward order, every
/// `limit` floats, a large tensor across several buckets.
@Suite("Gradient buckets")
struct GradientBucketsTests {
    typealias Segment = GradientBuckets.Segment

    @Test("the gradients are cut end to end every limit floats; a bucket may hold the end of one tensor and the start of the next")
    func boundaries() {
        let plan = GradientBuckets(counts: [5, 3, 8], limit: 4)
        #expect(plan.buckets.map(\.segments) == [
            [Segment(tensor: 0, elements: 0..<4, offset: 0)],
            [Segment(tensor: 0, elements: 4..<5, offset: 0), Segment(tensor: 1, elements: 0..<3, offset: 1)],
            [Segment(tensor: 2, elements: 0..<4, offset: 0)],
            [Segment(tensor: 2, elements: 4..<8, offset: 0)],
        ])
        #expect(plan.buckets.map(\.lastTensor) == [0, 1, 2, 2] && plan.largest == 4 && plan.floatCount == 16)
    }

    @Test("a tensor larger than the limit spans several buckets, none beyond the limit; odd sizes leave a short last bucket")
    func hugeTensor() {
        let plan = GradientBuckets(counts: [2, 10, 1], limit: 3)
        #expect(plan.buckets.map(\.segments) == [
            [Segment(tensor: 0, elements: 0..<2, offset: 0), Segment(tensor: 1, elements: 0..<1, offset: 2)],
            [Segment(tensor: 1, elements: 1..<4, offset: 0)],
            [Segment(tensor: 1, elements: 4..<7, offset: 0)],
            [Segment(tensor: 1, elements: 7..<10, offset: 0)],
            [Segment(tensor: 2, elements: 0..<1, offset: 0)],
        ])
        #expect(plan.buckets.map(\.count) == [3, 3, 3, 3, 1] && plan.largest == 3)
    }

    @Test("a limit above the total makes one bucket (the single all-reduce); empty tensors take no place; nothing makes no bucket")
    func edges() {
        let one = GradientBuckets(counts: [3, 0, 4], limit: 100)
        #expect(one.buckets.map(\.segments) == [[Segment(tensor: 0, elements: 0..<3, offset: 0), Segment(tensor: 2, elements: 0..<4, offset: 3)]])
        #expect(one.largest == 7)
        let none = GradientBuckets(counts: [0, 0], limit: 4)
        #expect(none.buckets.isEmpty && none.largest == 0 && none.floatCount == 0)
    }

    @Test("over random sizes and limits every element lands once, in order, at consecutive offsets, in buckets of exactly the limit but the last")
    func coverage() {
        var random = SeededValues(seed: 11)
        for _ in 0..<200 {
            let counts = (0..<(1 + Int((random.next() + 1) * 6))).map { _ in max(0, Int(random.next() * 40)) }
            let limit = 1 + Int((random.next() + 1) * 12)
            let plan = GradientBuckets(counts: counts, limit: limit)
            let flat = counts.enumerated().flatMap { tensor, count in (0..<count).map { [tensor, $0] } }
            let cut = plan.buckets.flatMap { $0.segments.flatMap { segment in segment.elements.map { [segment.tensor, $0] } } }
            #expect(cut == flat, "counts \(counts), limit \(limit)")
            #expect(plan.buckets.dropLast().allSatisfy { $0.count == limit } && plan.buckets.allSatisfy { (1...limit).contains($0.count) })
            for bucket in plan.buckets {
                #expect(bucket.segments.map(\.offset) == Array(bucket.segments.reduce(into: [0]) { $0.append($0.last! + $1.elements.count) }.dropLast()))
            }
        }
    }
}
