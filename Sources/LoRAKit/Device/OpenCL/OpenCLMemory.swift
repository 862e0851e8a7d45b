import COpenCL

/// A `cl_mem` owned by exactly one object, which releases it and returns its bytes to the
/// device's memory counter when freed.
final class OpenCLMemory: BufferStorage, @unchecked Sendable {
    let mem: cl_mem
    let byteCount: Int
    private let owner: OpenCLContext
    private let counter: MemoryCounter

    /// Allocates and zero-fills the buffer. The fill makes lazily-allocating drivers (NVIDIA's)
    /// commit the memory now, so an allocation that does not fit fails here, under its label.
    init(byteCount: Int, label: String, context owner: OpenCLContext, counter: MemoryCounter) throws {
        try counter.reserve(byteCount, label: label)
        var status: cl_int = CL_SUCCESS
        guard let mem = clCreateBuffer(owner.context, cl_mem_flags(CL_MEM_READ_WRITE), byteCount, nil, &status),
              status == CL_SUCCESS else {
            counter.release(byteCount)
            throw Self.allocationError(status, call: "clCreateBuffer", bytes: byteCount, label: label, counter: counter)
        }
        var zero: UInt8 = 0
        status = clEnqueueFillBuffer(owner.queue, mem, &zero, 1, 0, byteCount, 0, nil, nil)
        if status == CL_SUCCESS { status = clFinish(owner.queue) }
        guard status == CL_SUCCESS else {
            clReleaseMemObject(mem)
            counter.release(byteCount)
            throw Self.allocationError(status, call: "clEnqueueFillBuffer", bytes: byteCount, label: label, counter: counter)
        }
        self.mem = mem
        self.byteCount = byteCount
        self.owner = owner
        self.counter = counter
    }

    deinit {
        clReleaseMemObject(mem)
        counter.release(byteCount)
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
        try checkCL(clEnqueueWriteBuffer(owner.queue, mem, cl_bool(CL_TRUE), byteOffset, source.count, base, 0, nil, nil),
                    "clEnqueueWriteBuffer")
    }

    func read(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int) throws {
        guard let base = destination.baseAddress, destination.count > 0 else { return }
        try checkCL(clEnqueueReadBuffer(owner.queue, mem, cl_bool(CL_TRUE), byteOffset, destination.count, base, 0, nil, nil),
                    "clEnqueueReadBuffer")
    }
}
