import Foundation

/// 64-byte-aligned, zero-filled host memory behind a host `DeviceBuffer`, from the device's pool.
final class HostMemory: BufferStorage, @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    private let counter: MemoryCounter
    private let pool: HostMemoryPool

    init(byteCount: Int, label: String, counter: MemoryCounter, pool: HostMemoryPool) throws {
        try counter.reserve(byteCount, label: label)
        guard let raw = pool.obtain(size: HostMemoryPool.roundedSize(byteCount)) else {
            counter.release(byteCount)
            throw counter.refused(byteCount, label: label, reason: "posix_memalign failed")
        }
        memset(raw, 0, byteCount)
        self.pointer = raw
        self.byteCount = byteCount
        self.counter = counter
        self.pool = pool
    }

    deinit {
        pool.recycle(pointer, size: HostMemoryPool.roundedSize(byteCount))
        counter.release(byteCount)
    }

    func write(_ source: UnsafeRawBufferPointer, byteOffset: Int) throws {
        guard let base = source.baseAddress, source.count > 0 else { return }
        (pointer + byteOffset).copyMemory(from: base, byteCount: source.count)
    }

    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws {
        guard let base = destination.baseAddress, destination.count > 0 else { return }
        base.copyMemory(from: pointer + byteOffset, byteCount: destination.count)
    }

    func floats(count: Int) -> UnsafeMutablePointer<Float> { pointer.bindMemory(to: Float.self, capacity: count) }
    func halves(count: Int) -> UnsafeMutablePointer<Float16> { pointer.bindMemory(to: Float16.self, capacity: count) }
}
