import COpenCL

/// Enumerates every OpenCL platform and device through the ICD loader.
enum OpenCLDiscovery {
    struct Found {
        var info: DeviceInfo
        var deviceID: cl_device_id
    }

    /// Devices in platform order, then device order. Platforms that fail to report devices are
    /// skipped and described in `problems`, so one broken driver does not hide the others.
    static func discover() -> (devices: [Found], problems: [String]) {
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        // No ICD installed or no platform registered: not an error, just no OpenCL devices.
        if status == -1001 || platformCount == 0 { return ([], []) }
        if status != CL_SUCCESS { return ([], ["clGetPlatformIDs failed: \(OpenCLStatus.name(status)) (\(status))"]) }
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        guard clGetPlatformIDs(platformCount, &platforms, nil) == CL_SUCCESS else { return ([], ["clGetPlatformIDs failed"]) }

        var found: [Found] = []
        var problems: [String] = []
        for (platformIndex, platform) in platforms.enumerated() {
            guard let platform else { continue }
            let platformName = (try? clInfoString("clGetPlatformInfo(CL_PLATFORM_NAME)") {
                clGetPlatformInfo(platform, cl_platform_info(CL_PLATFORM_NAME), $0, $1, $2)
            }) ?? "platform \(platformIndex)"
            let platformVersion = (try? clInfoString("clGetPlatformInfo(CL_PLATFORM_VERSION)") {
                clGetPlatformInfo(platform, cl_platform_info(CL_PLATFORM_VERSION), $0, $1, $2)
            }) ?? ""
            var deviceCount: cl_uint = 0
            let deviceStatus = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            guard deviceStatus == CL_SUCCESS, deviceCount > 0 else {
                problems.append("platform \(platformIndex) (\(platformName)): clGetDeviceIDs: \(OpenCLStatus.name(deviceStatus))")
                continue
            }
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            guard clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil) == CL_SUCCESS else { continue }
            for (deviceIndex, device) in devices.enumerated() {
                guard let device else { continue }
                do {
                    let info = try describe(device, platformName: platformName, platformVersion: platformVersion, platformIndex: platformIndex, deviceIndex: deviceIndex)
                    found.append(Found(info: info, deviceID: device))
                } catch {
                    problems.append("opencl:\(platformIndex):\(deviceIndex): \(error)")
                }
            }
        }
        return (found, problems)
    }

    static func describe(_ device: cl_device_id, platformName: String, platformVersion: String, platformIndex: Int, deviceIndex: Int) throws -> DeviceInfo {
        func string(_ param: Int32, _ name: String) throws -> String {
            try clInfoString("clGetDeviceInfo(\(name))") { clGetDeviceInfo(device, cl_device_info(param), $0, $1, $2) }
        }
        func value<T: BitwiseCopyable>(_ type: T.Type, _ param: Int32, _ name: String) throws -> T {
            try clInfoValue(type, "clGetDeviceInfo(\(name))") { clGetDeviceInfo(device, cl_device_info(param), $0, $1, $2) }
        }
        let typeBits = try value(cl_device_type.self, CL_DEVICE_TYPE, "CL_DEVICE_TYPE")
        let kind: DeviceInfo.Kind
        if typeBits & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 {
            kind = .gpu
        } else if typeBits & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 {
            kind = .accelerator
        } else if typeBits & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 {
            kind = .cpu
        } else {
            kind = .other
        }
        let extensions = try string(CL_DEVICE_EXTENSIONS, "CL_DEVICE_EXTENSIONS")
        let computeUnits = Int(try value(cl_uint.self, CL_DEVICE_MAX_COMPUTE_UNITS, "CL_DEVICE_MAX_COMPUTE_UNITS"))
        let clockMHz = Int(try value(cl_uint.self, CL_DEVICE_MAX_CLOCK_FREQUENCY, "CL_DEVICE_MAX_CLOCK_FREQUENCY"))

        // A CPU device runs on the host's cores, so the host's FLOP per cycle applies; for GPUs
        // OpenCL does not report lanes per compute unit, so no peak is claimed.
        var peak: Double?
        var peakNote = "unknown: OpenCL does not report FP32 lanes per compute unit"
        if kind == .cpu {
            let cpu = HostCPU.current
            peak = Double(computeUnits) * Double(clockMHz) / 1000 * Double(cpu.flopsPerCycle)
            peakNote = "\(computeUnits) compute units × \(clockMHz) MHz × \(cpu.flopsPerCycle) FLOP/cycle (host CPU: \(cpu.simdDescription))"
        }
        return DeviceInfo(
            backend: .openCL, identifier: "opencl:\(platformIndex):\(deviceIndex)",
            platformIndex: platformIndex, deviceIndex: deviceIndex, platformName: platformName,
            platformVersion: platformVersion,
            name: try string(CL_DEVICE_NAME, "CL_DEVICE_NAME"), vendor: try string(CL_DEVICE_VENDOR, "CL_DEVICE_VENDOR"),
            kind: kind,
            globalMemoryBytes: Int(try value(cl_ulong.self, CL_DEVICE_GLOBAL_MEM_SIZE, "CL_DEVICE_GLOBAL_MEM_SIZE")),
            maxAllocationBytes: Int(try value(cl_ulong.self, CL_DEVICE_MAX_MEM_ALLOC_SIZE, "CL_DEVICE_MAX_MEM_ALLOC_SIZE")),
            computeUnits: computeUnits,
            maxWorkGroupSize: try value(Int.self, CL_DEVICE_MAX_WORK_GROUP_SIZE, "CL_DEVICE_MAX_WORK_GROUP_SIZE"),
            clockMHz: clockMHz,
            supportsFP16: extensions.split(separator: " ").contains("cl_khr_fp16"),
            openCLCVersion: try string(CL_DEVICE_OPENCL_C_VERSION, "CL_DEVICE_OPENCL_C_VERSION"),
            driverVersion: try string(CL_DRIVER_VERSION, "CL_DRIVER_VERSION"),
            peakGFLOPS: peak, peakNote: peakNote)
    }
}
