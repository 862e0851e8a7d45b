import Foundation

/// Splits `0..<count` into contiguous chunks and runs them on every core. Small loops run inline:
/// below `minimumChunk`·`grain` elements per chunk the cost of waking threads exceeds the work.
///
/// The host shares its cores with OpenBLAS, whose pthreads spin (yielding) between GEMMs. A
/// parallel loop then pays a context switch per chunk on every core a spinning BLAS thread holds.
/// Measured on the 2-core VM (LoRA training, `lorakit-bench train`, interleaved runs): loops of
/// the sizes the callers name, in parallel, gave 3090–3147 tokens/s on the bundled shape at 1024
/// tokens; the same loops on the calling thread alone 3517–3593; parallel only when each chunk
/// holds 16× that work ("grain 16") 3506–3509, and the same as the others, within noise, on the
/// 100m and small32k shapes at 256 tokens. Debian's OpenMP build of OpenBLAS, with passive or
/// active waiting, was no faster than its pthreads build. So the pthreads build stays, and loops
/// go parallel only when large: grain 16, which still spreads the big ones over many cores.
/// Loops with much work per element keep their own threshold: at grain 16 NF4 decoding of a
/// 768×2048 weight ran on one thread, and QLoRA on the 100m shape lost 15 %.
enum ParallelLoop {
    /// Multiplies every caller's `minimumChunk` (see above).
    static let grain = 16

    /// Threads for the host's own loops: `LORAKIT_HOST_THREADS` if set, else every core.
    static let cores: Int = {
        let all = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard let text = ProcessInfo.processInfo.environment["LORAKIT_HOST_THREADS"], let n = Int(text), n >= 1 else { return all }
        return n
    }()

    /// `heavy` loops (many operations per element: NF4 decoding, Philox, exponentials) are worth
    /// waking threads for at `minimumChunk` itself; the others wait for `grain` times that.
    static func chunks(_ count: Int, minimumChunk: Int = 1 << 15, heavy: Bool = false, _ body: (Range<Int>) -> Void) {
        let chunkCount = min(cores * 4, count / max(1, minimumChunk * (heavy ? 1 : grain)))
        if chunkCount <= 1 || cores == 1 {
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
