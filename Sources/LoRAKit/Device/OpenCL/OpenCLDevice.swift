import COpenCL
import Foundation

/// An OpenCL device: GEMM through CLBlast, every other operation through the kernels in
/// `Kernels/*.cl`. Operations are enqueued on one in-order queue without waiting.
public final class OpenCLDevice: Device, @unchecked Sendable {
    public let info: DeviceInfo
    let context: OpenCLContext
    let programs: OpenCLProgramCache
    let tuning: OpenCLTuning
    let counter: MemoryCounter
    /// Freed buffers kept for reuse, up to an eighth of the device's memory idle.
    let pool: BufferPool<cl_mem>
    let operations = OperationCounter()
    /// Serialises kernel-argument setting and enqueueing: a cl_kernel's arguments are shared state.
    private let launchLock = NSLock()

    /// Opens a device found by discovery. Prefer `Devices.open`, which keeps one instance per device.
    init(found: OpenCLDiscovery.Found, kernels: KernelLibrary, memoryLimit: Int? = nil) throws {
        info = found.info
        context = try OpenCLContext(deviceID: found.deviceID)
        tuning = OpenCLTuning(info: found.info, profile: kernels.profile)
        programs = OpenCLProgramCache(context: context, library: kernels, info: found.info, tuning: tuning)
        counter = MemoryCounter(deviceName: "\(info.identifier) (\(info.name))", capacityBytes: info.globalMemoryBytes,
                                maxAllocationBytes: info.maxAllocationBytes, limitBytes: memoryLimit)
        pool = BufferPool(idleLimitBytes: info.globalMemoryBytes / 8) { clReleaseMemObject($0) }
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
        let memory = try OpenCLMemory(byteCount: count * elementType.byteSize, label: label, context: context, counter: counter, pool: pool,
                                      operations: operations, reuseFill: contents.reuseFill)
        return DeviceBuffer(device: self, elementType: elementType, count: count, label: label, storage: memory)
    }

    public func copy(from source: DeviceBuffer, to destination: DeviceBuffer) throws {
        try OperandCheck.onDevice([("source", source), ("destination", destination)], operation: "copy", on: self)
        guard source.elementType == destination.elementType, source.count == destination.count else {
            throw DeviceError.invalidShape(operation: "copy", detail: "\(source) and \(destination) differ in type or count")
        }
        try checkCL(clEnqueueCopyBuffer(context.queue, mem(source), mem(destination), 0, 0, source.byteCount, 0, nil, nil),
                    "clEnqueueCopyBuffer")
    }

    public func copy(from source: DeviceBuffer, range: Range<Int>, to destination: DeviceBuffer, at offset: Int) throws {
        try TransformerContract.copy(from: source, range: range, to: destination, at: offset, on: self)
        guard !range.isEmpty else { return }
        let size = source.elementType.byteSize
        try checkCL(clEnqueueCopyBuffer(context.queue, mem(source), mem(destination), range.lowerBound * size, offset * size,
                                        range.count * size, 0, nil, nil), "clEnqueueCopyBuffer")
    }

    public func synchronize() throws {
        operations.add(\.queueDrains)
        try checkCL(clFinish(context.queue), "clFinish")
    }

    /// Every operation has a kernel in `Kernels/` or a CLBlast routine.
    public func supports(_ operation: DeviceOperation) -> Bool { true }

    /// The cl_mem of a buffer already checked to belong to this device.
    func mem(_ buffer: DeviceBuffer) -> cl_mem {
        // Safe: operations check `buffer.device === self` first, and this device makes only OpenCLMemory.
        unsafeDowncast(buffer.storage as AnyObject, to: OpenCLMemory.self).mem
    }

    /// One kernel argument.
    enum Argument {
        case buffer(DeviceBuffer)
        case float(Float)
        case int(Int32)
        case uint(UInt32)
        case ulong(UInt64)
        /// `__local` memory of this many bytes, no value.
        case local(bytes: Int)
    }

    /// Sets `arguments` on kernel `name` of `Kernels/<program>.cl` and enqueues it over `shape`,
    /// in groups sized from the kernel's limits (`OpenCLRange`). Returns without waiting.
    func launch(_ name: String, program: String, arguments: [Argument], over shape: OpenCLWorkShape) throws {
        try launchLock.withLock {
            let kernel = try programs.kernel(name, program: program)
            let range = try OpenCLRange(shape, kernel: kernel, tuning: tuning, name: name)
            guard !range.isEmpty else { return }
            let scratch: [Argument] = range.localFloats.map { [.local(bytes: $0 * MemoryLayout<Float>.size)] } ?? []
            for (index, argument) in (arguments + scratch).enumerated() {
                try set(argument, at: cl_uint(index), of: kernel.handle, name)
            }
            var global = range.global, local = range.local
            operations.add(\.kernelLaunches)
            try checkCL(clEnqueueNDRangeKernel(context.queue, kernel.handle, cl_uint(global.count), nil, &global, &local, 0, nil, nil),
                        "clEnqueueNDRangeKernel(\(name))")
        }
    }

    private func set(_ argument: Argument, at index: cl_uint, of kernel: cl_kernel, _ name: String) throws {
        let status: cl_int
        switch argument {
        case .buffer(let buffer):
            var value: cl_mem? = mem(buffer)
            status = clSetKernelArg(kernel, index, MemoryLayout<cl_mem>.size, &value)
        case .float(var value):
            status = clSetKernelArg(kernel, index, MemoryLayout<Float>.size, &value)
        case .int(var value):
            status = clSetKernelArg(kernel, index, MemoryLayout<Int32>.size, &value)
        case .uint(var value):
            status = clSetKernelArg(kernel, index, MemoryLayout<UInt32>.size, &value)
        case .ulong(var value):
            status = clSetKernelArg(kernel, index, MemoryLayout<UInt64>.size, &value)
        case .local(let bytes):
            status = clSetKernelArg(kernel, index, bytes, nil)
        }
        try checkCL(status, "clSetKernelArg(\(name), \(index))")
    }
}
