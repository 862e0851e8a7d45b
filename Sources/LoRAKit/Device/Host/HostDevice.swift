import Foundation

/// The host CPU as a device: GEMM through OpenBLAS, every other operation in native Swift spread
/// over all cores. Operations run synchronously, so `synchronize()` has nothing to wait for.
public final class HostDevice: Device, @unchecked Sendable {
    public let info: DeviceInfo
    let counter: MemoryCounter
    /// Freed buffers kept for reuse, up to an eighth of physical memory idle.
    let pool: BufferPool<UnsafeMutableRawPointer>
    let operations = OperationCounter()
    /// The most capable copy of the fused attention this device may use (nil: the CPU's best);
    /// the tests run each one the CPU has.
    let attentionInstructionSet: HostAttentionInstructionSet?

    /// `memoryLimit` caps what the device may allocate (`LORAKIT_MEMORY_LIMIT` when opened
    /// through `Devices`).
    public init(memoryLimit: Int? = nil, attentionInstructionSet: HostAttentionInstructionSet? = nil) {
        self.attentionInstructionSet = attentionInstructionSet
        let cpu = HostCPU.current
        let memory = Int(ProcessInfo.processInfo.physicalMemory)
        info = DeviceInfo(
            backend: .host, identifier: "host", platformIndex: nil, deviceIndex: nil,
            platformName: "host", platformVersion: "host", name: cpu.modelName, vendor: cpu.vendor, kind: .cpu,
            globalMemoryBytes: memory, maxAllocationBytes: memory, computeUnits: cpu.cores,
            maxWorkGroupSize: 1, clockMHz: cpu.clockMHz, supportsFP16: true, openCLCVersion: nil,
            driverVersion: OpenBLASBuild.current.description, peakGFLOPS: cpu.peakGFLOPS, peakNote: cpu.peakNote)
        counter = MemoryCounter(deviceName: "host", capacityBytes: memory, maxAllocationBytes: memory, limitBytes: memoryLimit)
        pool = BufferPool(idleLimitBytes: memory / 8) { free($0) }
    }

    public var memoryUsage: MemoryUsage { counter.snapshot }
    public var operationCounts: OperationCounts { operations.snapshot }

    public func makeBuffer(_ elementType: ElementType, count: Int, label: String) throws -> DeviceBuffer {
        try makeBuffer(elementType, count: count, label: label, contents: .zeros)
    }

    public func makeBuffer(_ elementType: ElementType, count: Int, label: String, contents: BufferContents) throws -> DeviceBuffer {
        guard count >= 1 else {
            throw DeviceError.invalidShape(operation: "makeBuffer", detail: "buffer '\(label)' needs at least 1 element, got \(count)")
        }
        let memory = try HostMemory(byteCount: count * elementType.byteSize, label: label, counter: counter, pool: pool,
                                    operations: operations, reuseFill: contents.reuseFill)
        return DeviceBuffer(device: self, elementType: elementType, count: count, label: label, storage: memory)
    }

    public func copy(from source: DeviceBuffer, to destination: DeviceBuffer) throws {
        try OperandCheck.onDevice([("source", source), ("destination", destination)], operation: "copy", on: self)
        guard source.elementType == destination.elementType, source.count == destination.count else {
            throw DeviceError.invalidShape(operation: "copy", detail: "\(source) and \(destination) differ in type or count")
        }
        memmove(memory(destination).pointer, memory(source).pointer, source.byteCount)
    }

    public func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int) throws {
        try TransformerContract.copy(from: source, range: range, to: destination, at: offset, on: self)
        let size = source.elementType.byteSize
        memmove(memory(destination).pointer + offset * size, memory(source).pointer + range.lowerBound * size, range.count * size)
    }

    public func synchronize() throws {}

    /// The host runs every operation (its implementations are the other backends' twins).
    public func supports(_ operation: DeviceOperation) -> Bool { true }

    /// The host memory of a buffer already checked to belong to this device.
    func memory(_ buffer: DeviceBuffer) -> HostMemory {
        // Safe: every operation checks `buffer.device === self` first, and this device makes only HostMemory.
        unsafeDowncast(buffer.storage as AnyObject, to: HostMemory.self)
    }

    func floats(_ buffer: DeviceBuffer) -> UnsafeMutablePointer<Float> { memory(buffer).floats(count: buffer.count) }
}
