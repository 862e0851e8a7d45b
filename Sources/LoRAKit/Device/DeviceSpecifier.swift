/// A device choice as users write it (API, `--device`, `LORAKIT_DEVICE`):
///
///     host                    the host CPU (OpenBLAS + native Swift)
///     opencl                  the best OpenCL device (GPU, then accelerator, then CPU)
///     opencl:<p>:<d>          OpenCL device d of platform p, as `lorakit devices` numbers them
///     opencl:gpu[:<n>]        the n-th OpenCL GPU in discovery order (default 0); under
///                             `mpirun`, plain `opencl:gpu` is the local rank's GPU
///     opencl:<text>           the first OpenCL device whose name, vendor, platform name or
///                             platform version contains <text>, case-insensitively
///                             (e.g. `opencl:pocl`, `opencl:nvidia`, `opencl:intel`)
public enum DeviceSpecifier: Equatable, Sendable {
    case host
    case anyOpenCL
    case openCLIndex(platform: Int, device: Int)
    case openCLName(String)
    case openCLGPU(ordinal: Int)

    /// Parses `text`, or returns nil when it has none of the forms above.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lower = trimmed.lowercased()
        if lower == "host" || lower == "cpu" {
            self = .host
            return
        }
        if lower == "opencl" {
            self = .anyOpenCL
            return
        }
        guard lower.hasPrefix("opencl:") else { return nil }
        let rest = String(trimmed.dropFirst("opencl:".count))
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        if parts[0].lowercased() == "gpu", parts.count <= 2 {
            guard let ordinal = parts.count == 1 ? 0 : Int(parts[1]), ordinal >= 0 else { return nil }
            self = .openCLGPU(ordinal: ordinal)
        } else if parts.count == 2, let platform = Int(parts[0]), let device = Int(parts[1]) {
            self = .openCLIndex(platform: platform, device: device)
        } else if !rest.isEmpty {
            self = .openCLName(rest)
        } else {
            return nil
        }
    }

    /// The device this specifier picks among `devices`, or nil.
    public func select(from devices: [DeviceInfo]) -> DeviceInfo? {
        let openCL = devices.filter { $0.backend == .openCL }
        switch self {
        case .host:
            return devices.first { $0.backend == .host }
        case .anyOpenCL:
            return openCL.min { $0.openCLSelectionRank < $1.openCLSelectionRank }
        case let .openCLIndex(platform, device):
            return openCL.first { $0.platformIndex == platform && $0.deviceIndex == device }
        case let .openCLName(text):
            return openCL.first { $0.searchableText.contains { $0.localizedCaseInsensitiveContains(text) } }
        case let .openCLGPU(ordinal):
            let gpus = openCL.filter { $0.kind == .gpu }
            return ordinal < gpus.count ? gpus[ordinal] : nil
        }
    }
}
