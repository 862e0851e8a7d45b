import Foundation

/// Where OpenCL C sources come from: the `Kernels/*.cl` files embedded at build time (so a copied
/// binary carries them), or a folder of `.cl` files that overrides them for kernel development.
public struct KernelLibrary: Sendable {
    /// Folder whose `<name>.cl` files replace the embedded ones; nil uses the embedded sources.
    public let overrideFolder: URL?

    public init(overrideFolder: URL? = nil) {
        self.overrideFolder = overrideFolder
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
