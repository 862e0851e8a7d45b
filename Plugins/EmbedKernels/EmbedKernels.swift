import Foundation
import PackagePlugin

/// Embeds every `Kernels/*.cl` file of the package into the target as a generated Swift source.
///
/// Why a build step rather than SwiftPM resources: `Bundle.module` aborts when the resource bundle
/// is not beside the binary (a copied `lorakit` would crash), and `.embedInCode` of a `.cl` file
/// breaks under `--build-system swiftbuild`. Generating source keeps the kernels plain, editable
/// `.cl` files and works with both build systems and with a binary copied anywhere.
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let kernelsFolder = context.package.directoryURL.appending(path: "Kernels")
        let kernelFiles = try FileManager.default
            .contentsOfDirectory(at: kernelsFolder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "cl" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernels.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(kernelFiles.count) OpenCL kernel files",
                executable: try context.tool(named: "lorakit-embed-kernels").url,
                arguments: [output.path] + kernelFiles.map(\.path),
                inputFiles: kernelFiles,
                outputFiles: [output]
            )
        ]
    }
}
