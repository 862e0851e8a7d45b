/// The memory of an `OffloadingDevice` buffer: a buffer of the primary device, which holds the
/// data between operations wherever they run.
final class OffloadedStorage: BufferStorage, @unchecked Sendable {
    let primaryBuffer: DeviceBuffer

    init(_ primaryBuffer: DeviceBuffer) { self.primaryBuffer = primaryBuffer }

    func write(_ source: UnsafeRawBufferPointer, byteOffset: Int) throws {
        try primaryBuffer.storage.write(source, byteOffset: byteOffset)
    }

    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws {
        try primaryBuffer.storage.read(into: destination, byteOffset: byteOffset)
    }
}
