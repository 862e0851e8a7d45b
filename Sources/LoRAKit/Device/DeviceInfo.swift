/// What a device is and what it can do, as discovered (before or after it is opened).
public struct DeviceInfo: Sendable, Equatable {
    /// `other`: a backend from another target, built on `DeviceCore` (`Devices` does not discover those).
    public enum Backend: String, Sendable { case host, openCL = "opencl", other }
    public enum Kind: String, Sendable { case gpu, accelerator, cpu, other }

    public var backend: Backend
    /// Stable name for selection: `host` or `opencl:<platform>:<device>`.
    public var identifier: String
    public var platformIndex: Int?
    public var deviceIndex: Int?
    public var platformName: String
    /// "OpenCL 3.0 PoCL 3.1+debian" and the like; "host" on the host.
    public var platformVersion: String
    public var name: String
    public var vendor: String
    public var kind: Kind
    public var globalMemoryBytes: Int
    public var maxAllocationBytes: Int
    public var computeUnits: Int
    public var maxWorkGroupSize: Int
    public var clockMHz: Int
    public var supportsFP16: Bool
    /// "OpenCL C 1.2 PoCL" and the like; nil on the host.
    public var openCLCVersion: String?
    public var driverVersion: String
    /// Estimated fp32 peak in GFLOP/s where it can be derived, with how it was derived.
    public var peakGFLOPS: Double?
    public var peakNote: String

    /// What `opencl:<text>` is matched against: pocl says "PoCL" only in its version strings.
    var searchableText: [String] { [name, vendor, platformName, platformVersion] }

    /// Default-selection rank: an OpenCL GPU, then an OpenCL accelerator, then the host, then
    /// OpenCL CPU (or other) devices. An OpenCL CPU driver such as pocl runs LoRAKit's kernels on
    /// the same cores the host backend drives through OpenBLAS, several times slower: it is the
    /// correctness device for the OpenCL kernels, chosen only by name or when nothing else exists.
    var selectionRank: Int {
        switch (backend, kind) {
        case (.openCL, .gpu): return 0
        case (.openCL, .accelerator): return 1
        case (.host, _): return 2
        case (.openCL, _): return 3
        case (.other, _): return 4
        }
    }

    /// Ranking among OpenCL devices alone (`--device opencl`): GPU, accelerator, then the rest.
    var openCLSelectionRank: Int { kind == .gpu ? 0 : kind == .accelerator ? 1 : 2 }

    public init(backend: Backend, identifier: String, platformIndex: Int? = nil, deviceIndex: Int? = nil, platformName: String,
                platformVersion: String, name: String, vendor: String, kind: Kind, globalMemoryBytes: Int, maxAllocationBytes: Int,
                computeUnits: Int, maxWorkGroupSize: Int, clockMHz: Int, supportsFP16: Bool, openCLCVersion: String?,
                driverVersion: String, peakGFLOPS: Double?, peakNote: String) {
        (self.backend, self.identifier, self.platformIndex, self.deviceIndex) = (backend, identifier, platformIndex, deviceIndex)
        (self.platformName, self.platformVersion, self.name, self.vendor, self.kind) = (platformName, platformVersion, name, vendor, kind)
        (self.globalMemoryBytes, self.maxAllocationBytes, self.computeUnits) = (globalMemoryBytes, maxAllocationBytes, computeUnits)
        (self.maxWorkGroupSize, self.clockMHz, self.supportsFP16, self.openCLCVersion) = (maxWorkGroupSize, clockMHz, supportsFP16, openCLCVersion)
        (self.driverVersion, self.peakGFLOPS, self.peakNote) = (driverVersion, peakGFLOPS, peakNote)
    }
}
