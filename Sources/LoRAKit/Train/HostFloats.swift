/// Host memory for one bucket of gradients, at one address for its whole life: a nonblocking
/// reduction reads and writes it after the call that started it has returned, which a Swift
/// array's storage does not promise to outlive.
final class HostFloats {
    let base: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(1, count))
        base.initialize(repeating: 0, count: max(1, count))
    }

    deinit { base.deallocate() }

    /// `count` floats from `offset` on, as bytes (what DeviceBuffer's byte transfers take).
    func bytes(_ offset: Int, count: Int) -> UnsafeMutableRawBufferPointer {
        precondition(offset >= 0 && offset + count <= self.count)
        return UnsafeMutableRawBufferPointer(start: base + offset, count: count * MemoryLayout<Float>.size)
    }

    /// The first `count` floats.
    func prefix(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(count <= self.count)
        return UnsafeMutableBufferPointer(start: base, count: count)
    }
}
