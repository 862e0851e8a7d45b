import Foundation

/// What every backend provides: buffers, copies, waiting, and which operations it runs. The
/// operations come in families (`GEMMOperations`, `ElementwiseOperations`, `LoRAOperations`,
/// `NF4Operations`, `GGUFOperations`, `TransformerOperations`, `OptimizerOperations`); each
/// family's operand checks live in its contract file (`LoRAContract`, ...), which every backend
/// calls first, so all of them reject exactly the same inputs.
///
/// Operations are enqueued in order; a backend may return before the work is done. Reading a
/// buffer (`DeviceBuffer.download`) waits for all earlier work; `synchronize()` waits explicitly.
/// Every operation validates its operands first and throws `DeviceError` on any mismatch.
public protocol DeviceCore: AnyObject, Sendable {
    var info: DeviceInfo { get }
    /// Bytes allocated through this device now and at peak.
    var memoryUsage: MemoryUsage { get }
    /// Allocations, queue waits, synchronous transfers and launches so far (see `OperationCounts`).
    var operationCounts: OperationCounts { get }

    /// A zero-filled buffer of `count` elements; `label` names it in errors and memory reports.
    func makeBuffer(_ elementType: ElementType, count: Int, label: String) throws -> DeviceBuffer
    /// A buffer of `count` elements that the next operation overwrites in full, so a reused
    /// allocation need not be zero-filled (`BufferContents`); new allocations are still filled.
    func makeBuffer(_ elementType: ElementType, count: Int, label: String, contents: BufferContents) throws -> DeviceBuffer
    /// Copies all of `source` into `destination` (both on this device, same type and count).
    func copy(from source: DeviceBuffer, to destination: DeviceBuffer) throws
    /// Copies the elements `range` of `source` to `destination[offset...]` (same type, same device;
    /// the buffers must not be the same one).
    func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int) throws
    /// Waits until every enqueued operation has finished.
    func synchronize() throws
    /// Whether this device runs `operation` itself. An operation it does not support throws
    /// `DeviceError.unsupported`; `OffloadingDevice` runs such operations on another device.
    func supports(_ operation: DeviceOperation) -> Bool
}

/// A compute device: the OpenCL devices (through CLBlast and `Kernels/*.cl`) and the host CPU
/// (through OpenBLAS and native Swift), or a backend of another target built on `DeviceCore`
/// and `BufferStorage`. Everything above `Device/` talks only to this protocol. A backend
/// implements the operations it supports; the others answer `DeviceError.unsupported`.
public protocol Device: GEMMOperations, ElementwiseOperations, LoRAOperations, NF4Operations, GGUFOperations,
                        TransformerOperations, OptimizerOperations {}

extension DeviceCore {
    /// A buffer holding stored little-endian element bytes as they are (`DeviceBuffer.upload(bytes:)`).
    public func makeBuffer(_ elementType: ElementType, bytes: Data, label: String) throws -> DeviceBuffer {
        let buffer = try makeBuffer(elementType, count: bytes.count / elementType.byteSize, label: label)
        try bytes.withUnsafeBytes { try buffer.upload(bytes: $0) }
        return buffer
    }

    /// A zero-filled buffer holding `values`.
    public func makeBuffer<T: DeviceScalar>(_ values: [T], label: String) throws -> DeviceBuffer {
        let buffer = try makeBuffer(T.elementType, count: values.count, label: label)
        try buffer.upload(values)
        return buffer
    }
}
