/// What a new buffer holds before its first write. `zeros`, the default, is what operations that
/// accumulate (gradients, `beta = 1` products) need. `unspecified` is for a buffer the next
/// operation overwrites in full (a norm's output, a product with `beta = 0`, a softmax): a reused
/// allocation then skips its fill, a pass over memory (and a queued fill on OpenCL) per buffer.
/// Debug builds, the tests' builds, fill such buffers with all-ones bytes (float NaN) instead, so
/// an operation that reads one before writing it poisons every result the tests check.
public enum BufferContents: Sendable {
    case zeros
    case unspecified

    /// The byte a reused `unspecified` buffer is filled with, if any.
    var reuseFill: UInt8? {
        switch self {
        case .zeros: return 0
        case .unspecified:
            #if DEBUG
            return 0xFF
            #else
            return nil
            #endif
        }
    }
}

extension DeviceCore {
    /// A backend that does not distinguish gives zeros, which every use accepts.
    public func makeBuffer(_ elementType: ElementType, count: Int, label: String, contents: BufferContents) throws -> DeviceBuffer {
        try makeBuffer(elementType, count: count, label: label)
    }
}
