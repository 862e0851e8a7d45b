import COpenCL

/// A kernel object and the work-group limits its build has on the device, queried once when the
/// kernel is created (the program cache keeps both for the life of the device).
struct OpenCLKernel {
    let handle: cl_kernel
    /// CL_KERNEL_WORK_GROUP_SIZE: the most work-items one group of this kernel may hold, given
    /// the registers and local memory its build uses (can be below the device's maximum).
    let maxWorkGroup: Int
    /// CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE: the SIMD width (warp, wavefront, vector
    /// lanes) a group should be a multiple of, so that no lane of the last SIMD slice idles.
    let preferredMultiple: Int

    init(_ handle: cl_kernel, device: cl_device_id, name: String) throws {
        func query(_ parameter: Int32, _ label: String) throws -> Int {
            try clInfoValue(Int.self, "clGetKernelWorkGroupInfo(\(name), \(label))") {
                clGetKernelWorkGroupInfo(handle, device, cl_kernel_work_group_info(parameter), $0, $1, $2)
            }
        }
        self.handle = handle
        maxWorkGroup = max(1, try query(CL_KERNEL_WORK_GROUP_SIZE, "CL_KERNEL_WORK_GROUP_SIZE"))
        preferredMultiple = max(1, try query(CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, "CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE"))
    }
}
