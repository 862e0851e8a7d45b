import Foundation

/// Splits `0..<count` into contiguous chunks and runs them on every core. Small loops run inline:
/// below `minimumChunk` elements per chunk the cost of waking threads exceeds the work.
enum ParallelLoop {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    static func chunks(_ count: Int, minimumChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let chunkCount = min(cores * 4, count / max(1, minimumChunk))
        if chunkCount <= 1 {
            body(0..<count)
            return
        }
        // Chunks are disjoint ranges, so bodies that write through captured pointers never race.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let start = count * chunk / chunkCount
            let end = count * (chunk + 1) / chunkCount
            body(start..<end)
        }
    }
}
