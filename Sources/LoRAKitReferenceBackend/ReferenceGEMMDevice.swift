import Foundation
import LoRAKit

/// A device that runs GEMM alone, as plain loops accumulating in double precision: the
/// correctness reference for GEMM (the op harness compares every backend's GEMM with it), and
/// the proof that LoRAKit's device core is open. It lives in its own target and uses only
/// LoRAKit's public API; wrapped in `OffloadingDevice` with the host as fallback it trains a
/// whole model, every GEMM here and every other operation on the host.
public final class ReferenceGEMMDevice: Device, @unchecked Sendable {
    public let info: DeviceInfo
    private let lock = NSLock()
    private var usage = MemoryUsage(currentBytes: 0, peakBytes: 0)
    private var counts = OperationCounts()

    public init() {
        info = DeviceInfo(
            backend: .other, identifier: "reference-gemm", platformName: "LoRAKitReferenceBackend", platformVersion: "1",
            name: "double-precision reference GEMM", vendor: "LoRAKit", kind: .cpu,
            globalMemoryBytes: Int(ProcessInfo.processInfo.physicalMemory),
            maxAllocationBytes: Int(ProcessInfo.processInfo.physicalMemory), computeUnits: 1, maxWorkGroupSize: 1,
            clockMHz: 0, supportsFP16: false, openCLCVersion: nil, driverVersion: "plain Swift loops",
            peakGFLOPS: nil, peakNote: "a correctness reference, not a fast path")
    }

    public var memoryUsage: MemoryUsage { lock.withLock { usage } }
    public var operationCounts: OperationCounts { lock.withLock { counts } }

    public func supports(_ operation: DeviceOperation) -> Bool { operation == .gemm }

    public func makeBuffer(_ elementType: ElementType, count: Int, label: String) throws -> DeviceBuffer {
        guard count >= 1 else {
            throw DeviceError.invalidShape(operation: "makeBuffer", detail: "buffer '\(label)' needs at least 1 element, got \(count)")
        }
        let byteCount = count * elementType.byteSize
        lock.withLock {
            usage.currentBytes += byteCount
            usage.peakBytes = max(usage.peakBytes, usage.currentBytes)
            counts.buffersCreated += 1
        }
        let memory = ReferenceMemory(byteCount: byteCount) { [weak self] bytes in
            self?.lock.withLock { self?.usage.currentBytes -= bytes }
        }
        return DeviceBuffer(device: self, elementType: elementType, count: count, label: label, storage: memory)
    }

    public func copy(from source: DeviceBuffer, to destination: DeviceBuffer) throws {
        try copy(from: source, range: 0..<source.count, to: destination, at: 0)
    }

    public func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int) throws {
        let (from, to) = try (memory(source, "copy"), memory(destination, "copy"))
        let size = source.elementType.byteSize
        guard source.elementType == destination.elementType, range.lowerBound >= 0, range.upperBound <= source.count,
              offset >= 0, offset + range.count <= destination.count else {
            throw DeviceError.invalidShape(operation: "copy", detail: "elements \(range) of \(source) do not fit \(destination) at \(offset)")
        }
        try to.write(UnsafeRawBufferPointer(rebasing: from.bytes[(range.lowerBound * size)..<(range.upperBound * size)]),
                     byteOffset: offset * size)
    }

    public func synchronize() throws {}

    public func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        try descriptor.validate(a: a, b: b, c: c, on: self)
        lock.withLock { counts.gemmCalls += 1 }
        let (pa, pb, pc) = try (memory(a, "gemm").floats, memory(b, "gemm").floats, memory(c, "gemm").floats)
        for batch in 0..<descriptor.batchCount {
            ReferenceGEMM.multiply(descriptor, a: pa + descriptor.offsetA + batch * descriptor.strideA,
                                   b: pb + descriptor.offsetB + batch * descriptor.strideB,
                                   c: pc + descriptor.offsetC + batch * descriptor.strideC)
        }
    }

    private func memory(_ buffer: DeviceBuffer, _ operation: String) throws -> ReferenceMemory {
        guard buffer.device === self, let memory = buffer.storage as? ReferenceMemory else {
            throw DeviceError.wrongDevice(operation: operation, operand: buffer.description, expected: info.identifier,
                                          actual: buffer.device.info.identifier)
        }
        return memory
    }
}
