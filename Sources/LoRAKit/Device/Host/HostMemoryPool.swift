import Foundation

/// Freed host buffers kept for reuse, keyed by their exact (64-byte-rounded) size. A training
/// step allocates the same activation and scratch sizes every step; without reuse each large one
/// comes fresh from the kernel (glibc maps anything over 32 MiB anew), which costs a page fault
/// and a zeroing of every page before LoRAKit zero-fills it again: 3–10 % of a training step in
/// the profiles. Reuse changes no numbers: a reused block is zero-filled as a new one.
///
/// Idle blocks are not counted as the device's memory in use (the counter sees live buffers
/// only, so peaks stay what the work needs); they are bounded by `idleLimitBytes` instead, and
/// handed back to the system when a new size would not fit.
final class HostMemoryPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Int: [UnsafeMutableRawPointer]] = [:]
    private(set) var idleBytes = 0
    let idleLimitBytes: Int

    init(idleLimitBytes: Int) { self.idleLimitBytes = idleLimitBytes }

    static func roundedSize(_ byteCount: Int) -> Int { (max(byteCount, 1) + 63) & ~63 }

    /// A 64-byte-aligned block of `size` bytes (a `roundedSize`), reused if one is idle.
    func obtain(size: Int) -> UnsafeMutableRawPointer? {
        if let reused = lock.withLock({ () -> UnsafeMutableRawPointer? in
            guard let block = idle[size]?.popLast() else { return nil }
            idleBytes -= size
            return block
        }) {
            return reused
        }
        var raw: UnsafeMutableRawPointer?
        if posix_memalign(&raw, 64, size) != 0 { trim(); return nil }
        return raw
    }

    /// Takes back a block from `obtain(size:)`; frees it when the idle limit would be passed.
    func recycle(_ block: UnsafeMutableRawPointer, size: Int) {
        let kept = lock.withLock { () -> Bool in
            guard idleBytes + size <= idleLimitBytes else { return false }
            idle[size, default: []].append(block)
            idleBytes += size
            return true
        }
        if !kept { free(block) }
    }

    /// Frees every idle block.
    func trim() {
        let blocks = lock.withLock { () -> [UnsafeMutableRawPointer] in
            defer { idle = [:]; idleBytes = 0 }
            return idle.values.flatMap { $0 }
        }
        blocks.forEach { free($0) }
    }

    deinit { trim() }
}
