import Foundation

/// Freed device allocations kept for reuse, keyed by their exact size, for both backends (host
/// memory blocks, OpenCL `cl_mem`s). A training step allocates the same activation and scratch
/// sizes every step. Without reuse, each large host block comes fresh from the kernel (page
/// faults and a zeroing of every page: 3–10 % of a host training step), and each OpenCL buffer
/// costs a `clCreateBuffer` and a queue drain. Reuse changes no numbers: a reused allocation
/// is zero-filled as a new one.
///
/// Idle allocations are not counted as the device's memory in use (the device's counter sees
/// live buffers only, so peaks stay what the work needs); they are bounded by `idleLimitBytes`,
/// and `trim()` hands them all back, which a device does before retrying a failed allocation.
final class BufferPool<Block>: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Int: [Block]] = [:]
    private var idleBytes = 0
    private let idleLimitBytes: Int
    private let release: (Block) -> Void

    init(idleLimitBytes: Int, release: @escaping (Block) -> Void) {
        self.idleLimitBytes = idleLimitBytes
        self.release = release
    }

    /// An idle allocation of exactly `size` bytes, or nil.
    func take(size: Int) -> Block? {
        lock.withLock {
            guard let block = idle[size]?.popLast() else { return nil }
            idleBytes -= size
            return block
        }
    }

    /// Keeps a freed allocation for reuse, or releases it when the idle limit would be passed.
    func recycle(_ block: Block, size: Int) {
        let kept = lock.withLock { () -> Bool in
            guard idleBytes + size <= idleLimitBytes else { return false }
            idle[size, default: []].append(block)
            idleBytes += size
            return true
        }
        if !kept { release(block) }
    }

    /// Releases every idle allocation.
    func trim() {
        let blocks = lock.withLock { () -> [Block] in
            defer { (idle, idleBytes) = ([:], 0) }
            return idle.values.flatMap { $0 }
        }
        blocks.forEach(release)
    }

    deinit { trim() }
}
