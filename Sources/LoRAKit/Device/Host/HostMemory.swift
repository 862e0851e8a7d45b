import Foundation

/// 64-byte-aligned host memory behind a host `DeviceBuffer`, from the device's pool: zero-filled
/// when new, filled with `reuseFill` (or left as it is, nil) when reused (`BufferContents`).
final class HostMemory: BufferStorage, @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    private let counter: MemoryCounter
    private let pool: BufferPool<UnsafeMutableRawPointer>
    private let operations: OperationCounter

    init(byteCount: Int, label: String, counter: MemoryCounter, pool: BufferPool<UnsafeMutableRawPointer>,
         operations: OperationCounter, reuseFill: UInt8? = 0) throws {
        try counter.reserve(byteCount, label: label)
        let reused = pool.take(size: Self.blockSize(byteCount))
        guard let raw = reused ?? Self.allocate(byteCount, pool: pool) else {
            counter.release(byteCount)
            throw counter.refused(byteCount, label: label, reason: "posix_memalign failed")
        }
        operations.add(reused == nil ? \.buffersCreated : \.buffersReused)
        if reused == nil {
            memset(raw, 0, byteCount)
        } else if let reuseFill {
            memset(raw, Int32(reuseFill), byteCount)
        }
        self.pointer = raw
        self.byteCount = byteCount
        self.counter = counter
        self.pool = pool
        self.operations = operations
    }

    deinit {
        pool.recycle(pointer, size: Self.blockSize(byteCount))
        counter.release(byteCount)
    }

    /// Blocks are pooled by size rounded up to the 64-byte alignment.
    static func blockSize(_ byteCount: Int) -> Int { (max(byteCount, 1) + 63) & ~63 }

    /// A new 64-byte-aligned block; on failure the pool's idle blocks are freed and it is tried again.
    private static func allocate(_ byteCount: Int, pool: BufferPool<UnsafeMutableRawPointer>) -> UnsafeMutableRawPointer? {
        for attempt in 0..<2 {
            var raw: UnsafeMutableRawPointer?
            if posix_memalign(&raw, 64, blockSize(byteCount)) == 0, let raw { return raw }
            if attempt == 0 { pool.trim() }
        }
        return nil
    }

    func write(_ source: UnsafeRawBufferPointer, byteOffset: Int) throws {
        guard let base = source.baseAddress, source.count > 0 else { return }
        operations.add(\.blockingWrites)
        (pointer + byteOffset).copyMemory(from: base, byteCount: source.count)
    }

    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws {
        guard let base = destination.baseAddress, destination.count > 0 else { return }
        operations.add(\.blockingReads)
        base.copyMemory(from: pointer + byteOffset, byteCount: destination.count)
    }

    func floats(count: Int) -> UnsafeMutablePointer<Float> { pointer.bindMemory(to: Float.self, capacity: count) }
    func halves(count: Int) -> UnsafeMutablePointer<Float16> { pointer.bindMemory(to: Float16.self, capacity: count) }
    func bfloat16s(count: Int) -> UnsafeMutablePointer<BFloat16> { pointer.bindMemory(to: BFloat16.self, capacity: count) }
}
