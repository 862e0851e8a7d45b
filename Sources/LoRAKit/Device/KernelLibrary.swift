import Foundation

/// Where OpenCL C sources come from: the `Kernels/*.cl` files embedded at build time (so a copied
/// binary carries them), or a folder of `.cl` files that overrides them for kernel development.
public struct KernelLibrary: Sendable {
    /// Folder whose `<name>.cl` files replace the embedded ones; nil uses the embedded sources.
    public let overrideFolder: URL?

    /// The kind of device whose OpenCL work-group sizes and memory paths the kernels are built
    /// and launched with: each device's own (`native`), or a GPU's or a CPU's on any device, so
    /// that a CPU device (pocl) can run, and test, the paths a GPU takes.
    public enum Profile: String, Sendable { case native, gpu, cpu }
    public var profile: Profile = .native

    public init(overrideFolder: URL? = nil) {
        self.overrideFolder = overrideFolder
    }

    /// This library with `profile`'s work-group sizes and memory paths.
    public func with(profile: Profile) -> KernelLibrary {
        var copy = self
        copy.profile = profile
        return copy
    }

    /// The embedded kernels, or the folder named by `LORAKIT_KERNELS` when it is set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> KernelLibrary {
        guard let folder = environment["LORAKIT_KERNELS"], !folder.isEmpty else { return KernelLibrary() }
        return KernelLibrary(overrideFolder: URL(fileURLWithPath: folder, isDirectory: true))
    }

    /// Names of the embedded kernel files ("elementwise", "reduction", ...).
    public static var embeddedProgramNames: [String] { EmbeddedKernels.sources.keys.sorted() }

    /// The source of `Kernels/<program>.cl`.
    public func source(of program: String) throws -> String {
        if let overrideFolder {
            let file = overrideFolder.appendingPathComponent("\(program).cl")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw DeviceError.kernelSourceMissing(program: program, searched: "\(file.path) (LORAKIT_KERNELS)")
            }
            return text
        }
        guard let text = EmbeddedKernels.sources[program] else {
            throw DeviceError.kernelSourceMissing(program: program,
                                                  searched: "embedded kernels: \(Self.embeddedProgramNames.joined(separator: ", "))")
        }
        return text
    }
}
