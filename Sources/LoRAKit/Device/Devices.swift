import Foundation

/// Discovers devices and opens them, keeping one open instance per device for the life of the
/// process (an OpenCL context and CLBlast's kernel cache are per instance and costly to rebuild).
public enum Devices {
    /// Every device: OpenCL devices in platform/device order, then the host.
    public static var available: [DeviceInfo] { registry.discovered.map(\.info) }

    /// Platforms or devices that discovery could not describe (e.g. a broken ICD).
    public static var discoveryProblems: [String] { registry.problems }

    /// The default device: an OpenCL GPU, else an OpenCL accelerator, else the host (OpenCL CPU
    /// devices such as pocl only when named).
    public static var defaultDevice: DeviceInfo {
        // `available` always contains the host, so there is always one.
        preferred(among: available)!
    }

    /// The device the default order picks among `devices` (first of the best rank), or nil for none.
    public static func preferred(among devices: [DeviceInfo]) -> DeviceInfo? {
        devices.min { $0.selectionRank < $1.selectionRank }
    }

    /// The device `specifier` names (see `DeviceSpecifier`); nil means `LORAKIT_DEVICE` if set,
    /// else the default. A specifier that matches nothing throws, listing the devices that exist.
    public static func resolve(_ specifier: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DeviceInfo {
        let text = specifier ?? environment["LORAKIT_DEVICE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text else { return defaultDevice }
        let devices = available
        guard let parsed = DeviceSpecifier(text), let info = parsed.select(from: devices) else {
            throw DeviceError.unknownDevice(specifier: text, available: devices.map { "\($0.identifier)  \($0.name)" })
        }
        return info
    }

    /// Opens the device `specifier` names (nil: `LORAKIT_DEVICE`, else the default).
    public static func open(_ specifier: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Device {
        try open(resolve(specifier, environment: environment))
    }

    /// Opens a discovered device, or returns the instance already open.
    public static func open(_ info: DeviceInfo) throws -> any Device {
        try registry.open(info)
    }

    /// Opens a new, separate instance of a device, for OpenCL with kernels from `kernels` (for
    /// kernel development, benchmarks and tests; normal code uses `open`). `environment` is read
    /// for `LORAKIT_MEMORY_LIMIT`.
    public static func openSeparately(_ info: DeviceInfo, kernels: KernelLibrary,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Device {
        let limit = try MemoryLimit.fromEnvironment(environment)
        guard info.backend == .openCL, let found = registry.discovered.first(where: { $0.info == info })?.found else {
            return HostDevice(memoryLimit: limit)
        }
        return try OpenCLDevice(found: found, kernels: kernels, memoryLimit: limit)
    }

    private static let registry = Registry()

    private final class Registry: @unchecked Sendable {
        struct Entry {
            var info: DeviceInfo
            var found: OpenCLDiscovery.Found?
        }

        let discovered: [Entry]
        let problems: [String]
        private let lock = NSLock()
        private var opened: [String: any Device] = [:]

        init() {
            let (openCL, problems) = OpenCLDiscovery.discover()
            discovered = openCL.map { Entry(info: $0.info, found: $0) } + [Entry(info: HostDevice().info, found: nil)]
            self.problems = problems
        }

        func open(_ info: DeviceInfo) throws -> any Device {
            try lock.withLock {
                if let device = opened[info.identifier] { return device }
                guard let entry = discovered.first(where: { $0.info.identifier == info.identifier }) else {
                    throw DeviceError.unknownDevice(specifier: info.identifier,
                                                    available: discovered.map { "\($0.info.identifier)  \($0.info.name)" })
                }
                let device: any Device
                let limit = try MemoryLimit.fromEnvironment()
                if let found = entry.found {
                    device = try OpenCLDevice(found: found, kernels: KernelLibrary.fromEnvironment(), memoryLimit: limit)
                } else {
                    device = HostDevice(memoryLimit: limit)
                }
                opened[info.identifier] = device
                return device
            }
        }
    }
}
