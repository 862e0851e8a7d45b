import Foundation

/// A device made of two: operations the `primary` device supports run there, every other one on
/// the `fallback` device (normally the host), with its operands copied over and its outputs
/// copied back. This is how a new backend runs whole training steps before it implements every
/// operation: one that does only GEMM at first trains a model through this, exactly as ggml's
/// scheduler hands unsupported ops to the CPU backend.
///
/// Buffers live on the primary device between operations, so data crosses to the fallback and
/// back once per offloaded operation. `offloadedOperations` counts them; a backend's authors can
/// see which operations are worth implementing next.
public final class OffloadingDevice: Device, @unchecked Sendable {
    public let primary: any Device
    public let fallback: any Device
    public let info: DeviceInfo
    private let lock = NSLock()
    private var offloaded: [DeviceOperation: Int] = [:]

    public init(primary: any Device, fallback: any Device) {
        self.primary = primary
        self.fallback = fallback
        var info = primary.info
        info.identifier = "\(primary.info.identifier)+\(fallback.info.identifier)"
        info.peakNote += " (unsupported operations on \(fallback.info.identifier))"
        self.info = info
    }

    /// The primary's memory: the fallback's staging copies live only during one operation.
    public var memoryUsage: MemoryUsage { primary.memoryUsage }
    public var operationCounts: OperationCounts {
        var counts = primary.operationCounts
        let other = fallback.operationCounts
        for field in OperationCounts.fields { counts[keyPath: field] += other[keyPath: field] }
        return counts
    }

    /// How many times each operation ran on the fallback device so far.
    public var offloadedOperations: [DeviceOperation: Int] { lock.withLock { offloaded } }

    public func supports(_ operation: DeviceOperation) -> Bool {
        primary.supports(operation) || fallback.supports(operation)
    }

    public func makeBuffer(_ elementType: ElementType, count: Int, label: String) throws -> DeviceBuffer {
        try makeBuffer(elementType, count: count, label: label, contents: .zeros)
    }

    public func makeBuffer(_ elementType: ElementType, count: Int, label: String, contents: BufferContents) throws -> DeviceBuffer {
        let buffer = try primary.makeBuffer(elementType, count: count, label: label, contents: contents)
        return DeviceBuffer(device: self, elementType: elementType, count: count, label: label,
                            storage: OffloadedStorage(buffer))
    }

    public func copy(from source: DeviceBuffer, to destination: DeviceBuffer) throws {
        let (s, d) = try (primaryBuffer(source, "copy", "source"), primaryBuffer(destination, "copy", "destination"))
        try primary.copy(from: s, to: d)
    }

    public func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int) throws {
        let (s, d) = try (primaryBuffer(source, "copy", "source"), primaryBuffer(destination, "copy", "destination"))
        try primary.copy(from: s, range: range, to: d, at: offset)
    }

    public func synchronize() throws {
        try primary.synchronize()
        try fallback.synchronize()
    }

    /// The primary device's buffer behind one of this device's buffers.
    private func primaryBuffer(_ buffer: DeviceBuffer, _ operation: String, _ operand: String) throws -> DeviceBuffer {
        guard buffer.device === self, let storage = buffer.storage as? OffloadedStorage else {
            throw DeviceError.wrongDevice(operation: operation, operand: "\(operand) \(buffer)",
                                          expected: info.identifier, actual: buffer.device.info.identifier)
        }
        return storage.primaryBuffer
    }

    /// Runs `body` on the device that supports `operation`, with `resolve` giving each of this
    /// device's buffers as that device sees it. On the fallback every operand is staged there
    /// first (ops may read what they write), and the buffers in `written` are copied back after.
    func route(_ operation: DeviceOperation, operands: [DeviceBuffer?], written: [DeviceBuffer?],
               _ body: (any Device, _ resolve: (DeviceBuffer) -> DeviceBuffer) throws -> Void) throws {
        var onPrimary: [ObjectIdentifier: DeviceBuffer] = [:]
        for case let buffer? in operands {
            onPrimary[ObjectIdentifier(buffer)] = try primaryBuffer(buffer, operation.rawValue, "'\(buffer.label)'")
        }
        if primary.supports(operation) {
            try body(primary) { onPrimary[ObjectIdentifier($0)] ?? $0 }
            return
        }
        guard fallback.supports(operation) else { throw DeviceError.unsupported(operation, on: info.identifier) }
        let staged = try stage(onPrimary)
        try body(fallback) { staged[ObjectIdentifier($0)] ?? $0 }
        for case let buffer? in written {
            let id = ObjectIdentifier(buffer)
            if let copy = staged[id], let home = onPrimary[id] { try copy.copy(to: home) }
        }
        lock.withLock { offloaded[operation, default: 0] += 1 }
    }

    private func stage(_ buffers: [ObjectIdentifier: DeviceBuffer]) throws -> [ObjectIdentifier: DeviceBuffer] {
        try buffers.mapValues { buffer in
            let copy = try fallback.makeBuffer(buffer.elementType, count: buffer.count, label: buffer.label)
            try buffer.copy(to: copy)
            return copy
        }
    }
}
