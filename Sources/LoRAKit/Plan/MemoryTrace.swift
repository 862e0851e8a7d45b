/// A stand-in for a device's memory counter: the plan replays a training step's allocations and
/// frees, buffer by buffer in the order the model makes them, and this records the running
/// total, its peak, which parts made up the peak, and the peak of each phase.
///
/// Buffers are freed where a debug build frees them: at the end of the scope that holds them
/// (Swift's optimizer may free some earlier, which can only lower the real peak).
final class MemoryTrace {
    /// One simulated buffer.
    struct Buffer {
        let part: MemoryPart
        let bytes: Int
    }

    private(set) var current = 0
    private(set) var peak = 0
    private(set) var partsAtPeak: [MemoryPart: Int] = [:]
    private(set) var phaseAtPeak = PlanPhase.load
    private(set) var phasePeaks: [PlanPhase: Int] = [:]
    private(set) var largestBuffer = 0
    private var usage: [MemoryPart: Int] = [:]
    /// The phase new allocations are counted in.
    var phase = PlanPhase.load

    /// A buffer of `count` elements of `bytesEach` bytes (float32 by default).
    @discardableResult
    func allocate(_ part: MemoryPart, _ count: Int, bytesEach: Int = 4) -> Buffer {
        let buffer = Buffer(part: part, bytes: count * bytesEach)
        current += buffer.bytes
        usage[part, default: 0] += buffer.bytes
        largestBuffer = max(largestBuffer, buffer.bytes)
        phasePeaks[phase] = max(phasePeaks[phase] ?? 0, current)
        if current > peak {
            (peak, partsAtPeak, phaseAtPeak) = (current, usage, phase)
        }
        return buffer
    }

    func free(_ buffers: [Buffer]) {
        for buffer in buffers {
            current -= buffer.bytes
            usage[buffer.part, default: 0] -= buffer.bytes
        }
    }

    func free(_ buffers: Buffer?...) { free(buffers.compactMap { $0 }) }

    /// A buffer that lives only while one call runs: allocated and freed again.
    func transient(_ part: MemoryPart, _ count: Int, bytesEach: Int = 4) {
        free(allocate(part, count, bytesEach: bytesEach))
    }
}
