/// What a device is and what it can do, as discovered (before or after it is opened).
public struct DeviceInfo: Sendable, Equatable {
    public enum Backend: String, Sendable { case host, openCL = "opencl" }
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

    /// Default-selection rank: OpenCL GPU, then accelerator, then OpenCL CPU or other, then host.
    var selectionRank: Int {
        switch (backend, kind) {
        case (.openCL, .gpu): return 0
        case (.openCL, .accelerator): return 1
        case (.openCL, _): return 2
        case (.host, _): return 3
        }
    }
}
