import LoRAKit

/// The memory of a `ReferenceGEMMDevice` buffer: zero-filled host bytes this target owns,
/// kept behind LoRAKit's public `BufferStorage` like any backend's memory.
final class ReferenceMemory: BufferStorage, @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    private let onFree: (Int) -> Void

    init(byteCount: Int, onFree: @escaping (Int) -> Void) {
        bytes = .allocate(byteCount: byteCount, alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        self.onFree = onFree
    }

    deinit {
        onFree(bytes.count)
        bytes.deallocate()
    }

    func write(_ source: UnsafeRawBufferPointer, byteOffset: Int) throws {
        UnsafeMutableRawBufferPointer(rebasing: bytes[byteOffset..<(byteOffset + source.count)]).copyMemory(from: source)
    }

    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws {
        destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[byteOffset..<(byteOffset + destination.count)]))
    }

    var floats: UnsafeMutablePointer<Float> { bytes.baseAddress!.assumingMemoryBound(to: Float.self) }
}
