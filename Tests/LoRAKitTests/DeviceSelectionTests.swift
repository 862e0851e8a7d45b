import Foundation
import LoRAKit
import Testing

@Suite("Device selection")
struct DeviceSelectionTests {
    @Test("discovery lists the host")
    func hostIsListed() {
        #expect(Devices.available.contains { $0.backend == .host && $0.identifier == "host" })
    }

    /// CI must exercise the OpenCL kernels: on CI, no OpenCL device is a failure, not a skip.
    @Test("an OpenCL device is present when CI=true")
    func openCLDevicePresentInCI() {
        let onCI = ProcessInfo.processInfo.environment["CI"] == "true"
        if onCI {
            #expect(!TestDevices.openCL.isEmpty,
                    "CI=true but no OpenCL device was found (problems: \(Devices.discoveryProblems)); install pocl-opencl-icd")
        }
    }

    /// A device as discovery would describe it, for ranking tests.
    static func fake(_ backend: DeviceInfo.Backend, _ kind: DeviceInfo.Kind, _ identifier: String) -> DeviceInfo {
        DeviceInfo(backend: backend, identifier: identifier, platformName: "fake", platformVersion: "fake", name: identifier,
                   vendor: "fake", kind: kind, globalMemoryBytes: 1 << 30, maxAllocationBytes: 1 << 28, computeUnits: 1,
                   maxWorkGroupSize: 64, clockMHz: 1000, supportsFP16: false, openCLCVersion: nil, driverVersion: "fake",
                   peakGFLOPS: nil, peakNote: "")
    }

    @Test("the default order is OpenCL GPU, then OpenCL accelerator, then the host, then OpenCL CPU devices")
    func defaultOrderOnFakeLists() {
        let pocl = Self.fake(.openCL, .cpu, "opencl:0:0"), host = Self.fake(.host, .cpu, "host")
        let gpu = Self.fake(.openCL, .gpu, "opencl:1:0"), accelerator = Self.fake(.openCL, .accelerator, "opencl:2:0")
        let other = Self.fake(.openCL, .other, "opencl:3:0")
        #expect(Devices.preferred(among: [pocl, accelerator, host, gpu]) == gpu)
        #expect(Devices.preferred(among: [pocl, host, accelerator]) == accelerator)
        #expect(Devices.preferred(among: [pocl, other, host]) == host, "an OpenCL CPU device never wins over the host")
        #expect(Devices.preferred(among: [pocl, other]) == pocl, "without the host, the first OpenCL CPU device")
        #expect(Devices.preferred(among: []) == nil)
        // `opencl` alone still means the best OpenCL device, CPU devices included.
        #expect(DeviceSpecifier.anyOpenCL.select(from: [host, pocl]) == pocl)
        #expect(DeviceSpecifier.anyOpenCL.select(from: [pocl, host, gpu]) == gpu)
        #expect(DeviceSpecifier.host.select(from: [pocl, host]) == host)
        // The n-th GPU, skipping other kinds: what `opencl:gpu` gives local rank n under mpirun.
        let second = Self.fake(.openCL, .gpu, "opencl:1:1")
        #expect(DeviceSpecifier.openCLGPU(ordinal: 0).select(from: [pocl, gpu, accelerator, second]) == gpu)
        #expect(DeviceSpecifier.openCLGPU(ordinal: 1).select(from: [pocl, gpu, accelerator, second]) == second)
        #expect(DeviceSpecifier.openCLGPU(ordinal: 2).select(from: [pocl, gpu, accelerator, second]) == nil)
        #expect(DeviceSpecifier.openCLGPU(ordinal: 0).select(from: [pocl, host]) == nil)
    }

    @Test("on this machine the default follows that order")
    func defaultOrder() throws {
        let expected = Devices.available.first { $0.backend == .openCL && $0.kind == .gpu }
            ?? Devices.available.first { $0.backend == .openCL && $0.kind == .accelerator }
            ?? Devices.available.first { $0.backend == .host }
        #expect(Devices.defaultDevice == expected)
        #expect(try Devices.resolve(nil, environment: [:]) == expected)
    }

    @Test("specifiers parse")
    func parsing() {
        #expect(DeviceSpecifier("host") == .host)
        #expect(DeviceSpecifier(" HOST ") == .host)
        #expect(DeviceSpecifier("opencl") == .anyOpenCL)
        #expect(DeviceSpecifier("opencl:1:2") == .openCLIndex(platform: 1, device: 2))
        #expect(DeviceSpecifier("opencl:pocl") == .openCLName("pocl"))
        #expect(DeviceSpecifier("OpenCL:NVIDIA") == .openCLName("NVIDIA"))
        #expect(DeviceSpecifier("opencl:gpu") == .openCLGPU(ordinal: 0))
        #expect(DeviceSpecifier("OpenCL:GPU:3") == .openCLGPU(ordinal: 3))
        #expect(DeviceSpecifier("opencl:gpu:x") == nil && DeviceSpecifier("opencl:gpu:-1") == nil)
        #expect(DeviceSpecifier("opencl:") == nil)
        #expect(DeviceSpecifier("cuda") == nil)
    }

    @Test("LORAKIT_DEVICE=host selects the host")
    func environmentHost() throws {
        let device = try Devices.open(nil, environment: ["LORAKIT_DEVICE": "host"])
        #expect(device.info.backend == .host)
        #expect(device === (try Devices.open("host")), "one instance per device")
    }

    @Test("LORAKIT_DEVICE=opencl:<name> and opencl:<p>:<d> select that OpenCL device", arguments: TestDevices.openCL)
    func environmentOpenCL(info: DeviceInfo) throws {
        let byIndex = try Devices.resolve(nil, environment: ["LORAKIT_DEVICE": info.identifier])
        #expect(byIndex == info)
        let fragment = String(info.name.prefix(6)).uppercased()
        let byName = try Devices.resolve(nil, environment: ["LORAKIT_DEVICE": "opencl:\(fragment)"])
        #expect(byName.backend == .openCL && byName.name.localizedCaseInsensitiveContains(fragment))
        if info.platformVersion.localizedCaseInsensitiveContains("pocl") {
            let pocl = try Devices.resolve(nil, environment: ["LORAKIT_DEVICE": "opencl:pocl"])
            #expect(pocl.platformVersion.localizedCaseInsensitiveContains("pocl"))
        }
    }

    @Test("an unknown device is an error that lists what exists")
    func unknownDevice() {
        for specifier in ["opencl:no-such-device", "opencl:9:9", "cuda:0"] {
            #expect {
                _ = try Devices.open(nil, environment: ["LORAKIT_DEVICE": specifier])
            } throws: { error in
                guard case let DeviceError.unknownDevice(text, available) = error else { return false }
                return text == specifier && available.contains { $0.hasPrefix("host") }
                    && "\(error)".contains("Available")
            }
        }
    }
}
