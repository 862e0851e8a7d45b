/// Backend-specific memory behind a `DeviceBuffer`. Raw pointers and `cl_mem` stay behind this.
/// Public so that a backend in another target can keep its own memory behind `DeviceBuffer`:
/// it makes buffers with `DeviceBuffer(device:elementType:count:label:storage:)` and finds its
/// memory again with `buffer.storage as? ItsStorage` after checking `buffer.device === self`.
public protocol BufferStorage: AnyObject, Sendable {
    /// Copies `source` into the buffer starting at `byteOffset`.
    func write(_ source: UnsafeRawBufferPointer, byteOffset: Int) throws
    /// Copies bytes starting at `byteOffset` into `destination`.
    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws
}

/// A typed, device-resident array of `count` elements. New buffers are zero-filled, unless made
/// with `contents: .unspecified` for an operation that overwrites them in full (`BufferContents`).
///
/// A buffer belongs to the device that made it; operations reject buffers of another device,
/// and moving data between devices is an explicit `copy(to:)`.
public final class DeviceBuffer: @unchecked Sendable, CustomStringConvertible {
    public let elementType: ElementType
    public let count: Int
    /// A name for error messages and memory reports ("q_proj.weight", "gemm.C").
    public let label: String
    public let device: any Device
    public let storage: any BufferStorage

    public init(device: any Device, elementType: ElementType, count: Int, label: String, storage: any BufferStorage) {
        self.device = device
        self.elementType = elementType
        self.count = count
        self.label = label
        self.storage = storage
    }

    public var byteCount: Int { count * elementType.byteSize }

    public var description: String {
        "'\(label)' (\(count) × \(elementType) on \(device.info.identifier))"
    }

    /// Writes `values` into the buffer starting at element `offset`.
    public func upload<T: DeviceScalar>(_ values: [T], at offset: Int = 0) throws {
        try checkElementType(T.self, operation: "upload")
        try checkRange(offset..<(offset + values.count), operation: "upload")
        try values.withUnsafeBytes { try storage.write($0, byteOffset: offset * elementType.byteSize) }
    }

    /// Writes stored element bytes as they are, little-endian as in a checkpoint file (a BF16
    /// tensor's 2 bytes per element go to the device unconverted), starting at element `offset`.
    public func upload(bytes: UnsafeRawBufferPointer, at offset: Int = 0) throws {
        guard bytes.count % elementType.byteSize == 0 else {
            throw DeviceError.invalidShape(operation: "upload",
                                           detail: "\(bytes.count) bytes are not whole \(elementType) elements of \(description)")
        }
        try checkRange(offset..<(offset + bytes.count / elementType.byteSize), operation: "upload")
        try storage.write(bytes, byteOffset: offset * elementType.byteSize)
    }

    /// Reads stored element bytes as they are into `bytes`, starting at element `offset`: the
    /// counterpart of `upload(bytes:at:)`, for callers that keep their own host memory.
    public func download(bytes: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws {
        guard bytes.count % elementType.byteSize == 0 else {
            throw DeviceError.invalidShape(operation: "download",
                                           detail: "\(bytes.count) bytes are not whole \(elementType) elements of \(description)")
        }
        try checkRange(offset..<(offset + bytes.count / elementType.byteSize), operation: "download")
        try storage.read(into: bytes, byteOffset: offset * elementType.byteSize)
    }

    /// Reads the whole buffer, or `range` of it.
    public func download<T: DeviceScalar>(as type: T.Type = T.self, range: Range<Int>? = nil) throws -> [T] {
        try checkElementType(T.self, operation: "download")
        let range = range ?? 0..<count
        try checkRange(range, operation: "download")
        var values = [T](unsafeUninitializedCapacity: range.count) { _, initialized in initialized = range.count }
        try values.withUnsafeMutableBytes { try storage.read(into: $0, byteOffset: range.lowerBound * elementType.byteSize) }
        return values
    }

    /// Copies this buffer's contents into `destination`, which may live on another device.
    /// Same-device copies stay on the device; cross-device copies go through host memory.
    public func copy(to destination: DeviceBuffer) throws {
        guard destination.elementType == elementType else {
            throw DeviceError.typeMismatch(operation: "copy", operand: "destination", expected: elementType,
                                           actual: destination.elementType)
        }
        guard destination.count == count else {
            throw DeviceError.invalidShape(operation: "copy",
                                           detail: "source \(description) and destination \(destination.description) differ in count")
        }
        if destination.device === device {
            try device.copy(from: self, to: destination)
            return
        }
        var staging = [UInt8](repeating: 0, count: byteCount)
        try staging.withUnsafeMutableBytes { try storage.read(into: $0, byteOffset: 0) }
        try staging.withUnsafeBytes { try destination.storage.write($0, byteOffset: 0) }
    }

    private func checkElementType<T: DeviceScalar>(_ type: T.Type, operation: String) throws {
        guard T.elementType == elementType else {
            throw DeviceError.typeMismatch(operation: operation, operand: "'\(label)'", expected: elementType, actual: T.elementType)
        }
    }

    private func checkRange(_ range: Range<Int>, operation: String) throws {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw DeviceError.invalidShape(operation: operation,
                                           detail: "elements \(range.lowerBound)..<\(range.upperBound) are outside \(description)")
        }
    }
}
