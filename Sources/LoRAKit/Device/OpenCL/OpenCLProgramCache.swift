import COpenCL

/// Builds each OpenCL program once per device, with options chosen from the device, and keeps
/// the programs and their kernel objects for the life of the device.
final class OpenCLProgramCache: @unchecked Sendable {
    private let owner: OpenCLContext
    private let library: KernelLibrary
    private let deviceName: String
    /// `-D` options every program is built with (precision switches, tile shapes).
    let buildOptions: String
    private var programs: [String: cl_program] = [:]
    private var kernels: [String: OpenCLKernel] = [:]

    init(context: OpenCLContext, library: KernelLibrary, info: DeviceInfo, tuning: OpenCLTuning) {
        owner = context
        self.library = library
        deviceName = "\(info.identifier) (\(info.name))"
        var options = ["-cl-std=CL1.2"] + tuning.buildDefines
        if info.supportsFP16 { options.append("-DLORAKIT_HAS_FP16=1") }
        // NF4 quantization divides; bit-exact agreement with bitsandbytes needs IEEE division,
        // which OpenCL 1.2 only promises with this option (and allows only where supported).
        var fpConfig: cl_device_fp_config = 0
        if clGetDeviceInfo(context.deviceID, cl_device_info(CL_DEVICE_SINGLE_FP_CONFIG), MemoryLayout<cl_device_fp_config>.size,
                           &fpConfig, nil) == CL_SUCCESS,
           fpConfig & cl_device_fp_config(CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0 {
            options.append("-cl-fp32-correctly-rounded-divide-sqrt")
        }
        buildOptions = options.joined(separator: " ")
    }

    deinit {
        kernels.values.forEach { clReleaseKernel($0.handle) }
        programs.values.forEach { clReleaseProgram($0) }
    }

    /// The kernel `name` of `Kernels/<program>.cl` with its work-group limits. Callers hold the
    /// device's launch lock.
    func kernel(_ name: String, program: String) throws -> OpenCLKernel {
        if let kernel = kernels[name] { return kernel }
        let built = try self.program(program)
        var status: cl_int = CL_SUCCESS
        guard let handle = clCreateKernel(built, name, &status), status == CL_SUCCESS else {
            throw DeviceError.openCL(call: "clCreateKernel(\(name)) in \(program).cl", status: status)
        }
        do {
            let kernel = try OpenCLKernel(handle, device: owner.deviceID, name: name)
            kernels[name] = kernel
            return kernel
        } catch {
            clReleaseKernel(handle)
            throw error
        }
    }

    private func program(_ name: String) throws -> cl_program {
        if let program = programs[name] { return program }
        let program = try build(name: name, source: try library.source(of: name))
        programs[name] = program
        return program
    }

    /// Compiles `source`; on failure the error carries the device compiler's build log.
    func build(name: String, source: String) throws -> cl_program {
        var status: cl_int = CL_SUCCESS
        let program: cl_program? = source.withCString { text in
            var strings: [UnsafePointer<CChar>?] = [text]
            return clCreateProgramWithSource(owner.context, 1, &strings, nil, &status)
        }
        guard let program, status == CL_SUCCESS else {
            throw DeviceError.openCL(call: "clCreateProgramWithSource(\(name))", status: status)
        }
        var devices: [cl_device_id?] = [owner.deviceID]
        status = clBuildProgram(program, 1, &devices, buildOptions, nil, nil)
        if status != CL_SUCCESS {
            let log = (try? clInfoString("clGetProgramBuildInfo(CL_PROGRAM_BUILD_LOG)") {
                clGetProgramBuildInfo(program, owner.deviceID, cl_program_build_info(CL_PROGRAM_BUILD_LOG), $0, $1, $2)
            }) ?? "(no build log available)"
            clReleaseProgram(program)
            if status == CL_BUILD_PROGRAM_FAILURE || status == CL_INVALID_BUILD_OPTIONS {
                throw DeviceError.programBuild(program: name, device: deviceName, options: buildOptions, log: log)
            }
            throw DeviceError.openCL(call: "clBuildProgram(\(name))", status: status)
        }
        return program
    }
}
