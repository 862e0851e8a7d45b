import ArgumentParser
import Foundation
import LoRAKit

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the OpenCL devices and the host, and which one LoRAKit uses by default.",
        discussion: """
        Select a device with --device on any command or LORAKIT_DEVICE: 'host', 'opencl', \
        'opencl:<platform>:<device>' (the id column), or 'opencl:<text>' matching the device name, \
        vendor or platform (e.g. opencl:pocl).
        """
    )

    @Flag(help: "Also run GEMM and every kernel program on each device and compare with the host.")
    var check = false

    func run() throws {
        let devices = Devices.available
        // An unknown LORAKIT_DEVICE still shows the table (so the user sees the valid ids), then fails.
        let selection = Result { try Devices.resolve() }
        let chosen = try? selection.get()
        var table = TextTable(header: ["#", "id", "backend", "platform", "device", "type", "memory", "CUs",
                                       "max WG", "fp16", "OpenCL C", "default"],
                              rightAligned: [0, 6, 7, 8])
        for (index, info) in devices.enumerated() {
            table.append([
                "\(index)", info.identifier, info.backend.rawValue, info.platformName, info.name, info.kind.rawValue,
                ByteCount.format(info.globalMemoryBytes), "\(info.computeUnits)",
                info.backend == .host ? "-" : "\(info.maxWorkGroupSize)",
                info.backend == .host ? "yes" : (info.supportsFP16 ? "yes" : "storage only"),
                info.openCLCVersion ?? "-",
                info == chosen ? "*" : "",
            ])
        }
        print(table.rendered)
        if let chosen {
            let source = ProcessInfo.processInfo.environment["LORAKIT_DEVICE"].map { "LORAKIT_DEVICE=\($0)" } ?? "default order: OpenCL GPU, OpenCL accelerator, host, then OpenCL CPU devices"
            print("\nselected: \(chosen.identifier) (\(chosen.name)) — \(source)")
        }
        for problem in Devices.discoveryProblems { print("warning: \(problem)") }
        if case .failure(let error) = selection {
            FileHandle.standardError.write(Data("\nerror: \(error)\n".utf8))
            throw ExitCode.failure
        }

        guard check else { return }
        print("")
        var failures = 0
        for info in devices {
            do {
                let difference = try DeviceSelfCheck.run(on: Devices.open(info))
                print("check \(info.identifier): ok (largest relative difference from host \(String(format: "%.1e", difference)))")
            } catch {
                failures += 1
                print("check \(info.identifier): FAILED: \(error)")
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }
}
