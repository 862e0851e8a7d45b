import Foundation

/// 64-byte-aligned, zero-filled host memory behind a host `DeviceBuffer`.
final class HostMemory: BufferStorage, @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    private let counter: MemoryCounter

    init(byteCount: Int, label: String, counter: MemoryCounter) throws {
        try counter.reserve(byteCount, label: label)
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, max(byteCount, 1)) == 0, let raw else {
            counter.release(byteCount)
            throw counter.refused(byteCount, label: label, reason: "posix_memalign failed")
        }
        memset(raw, 0, byteCount)
        self.pointer = raw
        self.byteCount = byteCount
        self.counter = counter
    }

    deinit {
        free(pointer)
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
