/// A device choice as users write it (API, `--device`, `LORAKIT_DEVICE`):
///
///     host                    the host CPU (OpenBLAS + native Swift)
///     opencl                  the best OpenCL device (GPU, then accelerator, then CPU)
///     opencl:<p>:<d>          OpenCL device d of platform p, as `lorakit devices` numbers them
///     opencl:<text>           the first OpenCL device whose name, vendor, platform name or
///                             platform version contains <text>, case-insensitively
///                             (e.g. `opencl:pocl`, `opencl:nvidia`, `opencl:intel`)
public enum DeviceSpecifier: Equatable, Sendable {
    case host
    case anyOpenCL
    case openCLIndex(platform: Int, device: Int)
    case openCLName(String)

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
        if parts.count == 2, let platform = Int(parts[0]), let device = Int(parts[1]) {
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
        }
    }
}
