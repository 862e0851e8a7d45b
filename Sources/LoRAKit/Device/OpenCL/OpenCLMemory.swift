import COpenCL

/// A `cl_mem` owned by exactly one object, which releases it and returns its bytes to the
/// device's memory counter when freed.
final class OpenCLMemory: BufferStorage, @unchecked Sendable {
    let mem: cl_mem
    let byteCount: Int
    private let owner: OpenCLContext
    private let counter: MemoryCounter
    private let pool: BufferPool<cl_mem>
    private let operations: OperationCounter

    /// A buffer, zero-filled when new; a pooled one of the same size when one is idle, filled with
    /// `reuseFill` (nil: not at all, `BufferContents.unspecified`) (the fill is only
    /// enqueued: the in-order queue runs it after every earlier use of that memory), else a new
    /// one, whose fill is waited for so that lazily-allocating drivers (NVIDIA's) commit the
    /// memory now and an allocation that does not fit fails here, under its label. A failed new
    /// allocation frees the pool's idle buffers and is tried once more.
    init(byteCount: Int, label: String, context owner: OpenCLContext, counter: MemoryCounter, pool: BufferPool<cl_mem>,
         operations: OperationCounter, reuseFill: UInt8? = 0) throws {
        try counter.reserve(byteCount, label: label)
        do {
            if let reused = pool.take(size: byteCount) {
                if let reuseFill { try Self.fill(reused, with: reuseFill, byteCount: byteCount, queue: owner.queue, wait: false) }
                mem = reused
                operations.add(\.buffersReused)
            } else {
                do {
                    mem = try Self.create(byteCount, context: owner)
                } catch {
                    pool.trim()
                    mem = try Self.create(byteCount, context: owner)
                }
                operations.add(\.buffersCreated)
                operations.add(\.queueDrains)
            }
        } catch let status as OpenCLAllocationFailure {
            counter.release(byteCount)
            throw Self.allocationError(status.status, call: status.call, bytes: byteCount, label: label, counter: counter)
        }
        self.byteCount = byteCount
        self.owner = owner
        self.counter = counter
        self.pool = pool
        self.operations = operations
    }

    deinit {
        pool.recycle(mem, size: byteCount)
        counter.release(byteCount)
    }

    private struct OpenCLAllocationFailure: Error {
        let status: cl_int
        let call: String
    }

    /// A new buffer, zero-filled and waited for.
    private static func create(_ byteCount: Int, context owner: OpenCLContext) throws -> cl_mem {
        var status: cl_int = CL_SUCCESS
        guard let mem = clCreateBuffer(owner.context, cl_mem_flags(CL_MEM_READ_WRITE), byteCount, nil, &status),
              status == CL_SUCCESS else {
            throw OpenCLAllocationFailure(status: status, call: "clCreateBuffer")
        }
        do {
            try fill(mem, with: 0, byteCount: byteCount, queue: owner.queue, wait: true)
        } catch {
            clReleaseMemObject(mem)
            throw error
        }
        return mem
    }

    private static func fill(_ mem: cl_mem, with byte: UInt8, byteCount: Int, queue: cl_command_queue, wait: Bool) throws {
        var pattern = byte
        var status = clEnqueueFillBuffer(queue, mem, &pattern, 1, 0, byteCount, 0, nil, nil)
        if status == CL_SUCCESS, wait { status = clFinish(queue) }
        guard status == CL_SUCCESS else { throw OpenCLAllocationFailure(status: status, call: "clEnqueueFillBuffer") }
    }

    private static func allocationError(_ status: cl_int, call: String, bytes: Int, label: String, counter: MemoryCounter) -> DeviceError {
        switch status {
        case CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY, CL_INVALID_BUFFER_SIZE:
            return counter.refused(bytes, label: label, reason: "\(call): \(OpenCLStatus.name(status))")
        default:
            return .openCL(call: call, status: status)
        }
    }

    func write(_ source: UnsafeRawBufferPointer, byteOffset: Int) throws {
        guard let base = source.baseAddress, source.count > 0 else { return }
        operations.add(\.blockingWrites)
        try checkCL(clEnqueueWriteBuffer(owner.queue, mem, cl_bool(CL_TRUE), byteOffset, source.count, base, 0, nil, nil),
                    "clEnqueueWriteBuffer")
    }

    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws {
        guard let base = destination.baseAddress, destination.count > 0 else { return }
        operations.add(\.blockingReads)
        try checkCL(clEnqueueReadBuffer(owner.queue, mem, cl_bool(CL_TRUE), byteOffset, destination.count, base, 0, nil, nil),
                    "clEnqueueReadBuffer")
    }
}
