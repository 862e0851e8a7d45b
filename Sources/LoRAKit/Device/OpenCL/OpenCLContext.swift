import COpenCL

/// Owns one device's OpenCL context and its in-order command queue for the life of the process
/// (CLBlast caches compiled kernels per context, so contexts are never recreated).
final class OpenCLContext: @unchecked Sendable {
    let deviceID: cl_device_id
    let context: cl_context
    let queue: cl_command_queue

    init(deviceID: cl_device_id) throws {
        self.deviceID = deviceID
        var status: cl_int = CL_SUCCESS
        var ids: [cl_device_id?] = [deviceID]
        guard let context = clCreateContext(nil, 1, &ids, nil, nil, &status), status == CL_SUCCESS else {
            throw DeviceError.openCL(call: "clCreateContext", status: status)
        }
        guard let queue = clCreateCommandQueue(context, deviceID, 0, &status), status == CL_SUCCESS else {
            clReleaseContext(context)
            throw DeviceError.openCL(call: "clCreateCommandQueue", status: status)
        }
        self.context = context
        self.queue = queue
    }

    deinit {
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }
}
