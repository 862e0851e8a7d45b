import Foundation
import LoRAKit
import LoRAKitGGUF
import Testing

@Suite("Kernel loading")
struct KernelLoadingTests {
    static let kernelsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Kernels")

    @Test("the embedded kernels are exactly the files in Kernels/")
    func embeddedMatchesFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.kernelsFolder.path)
            .filter { $0.hasSuffix(".cl") }.map { String($0.dropLast(3)) }.sorted()
        #expect(KernelLibrary.embeddedProgramNames == files)
        for name in files {
            let onDisk = try String(contentsOf: Self.kernelsFolder.appendingPathComponent("\(name).cl"), encoding: .utf8)
            let embedded = try KernelLibrary().source(of: name)
            #expect(embedded.trimmingCharacters(in: .newlines) == onDisk.trimmingCharacters(in: .newlines), "\(name).cl")
        }
    }

    @Test("a kernel that fails to compile reports the compiler's log", arguments: TestDevices.openCL)
    func buildFailureCarriesLog(info: DeviceInfo) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = """
        __kernel void elementwise_axpy(const ulong n, const float alpha, __global const float* x, __global float* y) {
            y[get_global_id(0)] = alpha * x[get_global_id(0)] + undeclared_identifier;
        }
        """
        try broken.write(to: folder.appendingPathComponent("elementwise.cl"), atomically: true, encoding: .utf8)
        let device = try Devices.openSeparately(info, kernels: KernelLibrary(overrideFolder: folder))
        let x = try device.makeBuffer(.float32, count: 4, label: "x")
        #expect {
            try device.axpy(alpha: 1, x: x, y: x)
        } throws: { error in
            guard case let DeviceError.programBuild(program, _, options, log) = error else { return false }
            return program == "elementwise" && options.contains("-cl-std=CL1.2") && log.contains("undeclared_identifier")
        }
    }

    @Test("LORAKIT_KERNELS overrides the embedded sources, and a missing file is a clear error", arguments: TestDevices.openCL)
    func overrideFolder(info: DeviceInfo) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-override-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A variant of scale that adds 1, so the result proves which source ran.
        let variant = try KernelLibrary().source(of: "elementwise").replacingOccurrences(of: "x[i] = alpha * x[i];", with: "x[i] = alpha * x[i] + 1.0f;")
        try variant.write(to: folder.appendingPathComponent("elementwise.cl"), atomically: true, encoding: .utf8)
        let library = KernelLibrary.fromEnvironment(["LORAKIT_KERNELS": folder.path])
        #expect(library.overrideFolder?.path == folder.path)
        let device = try Devices.openSeparately(info, kernels: library)
        let x = try device.makeBuffer([1, 2, 3] as [Float], label: "x")
        try device.scale(x, by: 2)
        #expect(try x.download(as: Float.self) == [3, 5, 7])

        let out = try device.makeBuffer(.float32, count: 1, label: "out")
        #expect {
            try device.rowSumOfSquares(x, rows: 1, columns: 3, into: out)
        } throws: { error in
            guard case let DeviceError.kernelSourceMissing(program, searched) = error else { return false }
            return program == "reduction" && searched.contains(folder.path)
        }
    }

    @Test("every embedded program builds", arguments: TestDevices.openCL)
    func everyProgramBuilds(info: DeviceInfo) throws {
        // Running one kernel of each program forces its build.
        let device = try TestDevices.open(info)
        let x = try device.makeBuffer([3, 4] as [Float], label: "x")
        let out = try device.makeBuffer(.float32, count: 1, label: "out")
        try device.rowSumOfSquares(x, rows: 1, columns: 2, into: out)
        try device.scale(x, by: 1)
        try device.dropout(x, into: x, probability: 0, key: DropoutKey(seed: 0, stream: 0, step: 0))
        try device.nf4Dequantize(packed: device.makeBuffer([0x7F] as [UInt8], label: "packed"),
                                 absmax: device.makeBuffer([2] as [Float], label: "absmax"), blockSize: 64, count: 2,
                                 into: device.makeBuffer(.float32, count: 2, label: "nf4 out"))
        try device.swiglu(gate: x, up: x, into: device.makeBuffer(.float32, count: 2, label: "swiglu out"))
        let moment = try device.makeBuffer(.float32, count: 2, label: "moment")
        try device.adamW(parameters: device.makeBuffer(.float32, count: 2, label: "p"), gradients: x, firstMoment: moment,
                         secondMoment: device.makeBuffer(.float32, count: 2, label: "v"), step: AdamWStep(learningRate: 0, step: 1))
        try device.nf4Quantize(device.makeBuffer([1, -1] as [Float], label: "v"), blockSize: 64,
                               packed: device.makeBuffer(.uint8, count: 1, label: "p"), absmax: device.makeBuffer(.float32, count: 1, label: "a"))
        let q8 = try device.makeBuffer(.float32, count: 32, label: "q8_0 out")
        try device.ggufDequantize(.q8_0, packed: device.makeBuffer([0x00, 0x3C] + [UInt8](repeating: 0xFF, count: 32), label: "q8_0 block"),
                                  count: 32, into: q8)
        #expect(try q8.download(as: Float.self) == [Float](repeating: -1, count: 32))   // d = 1.0 (0x3C00), q = −1
        #expect(try out.download(as: Float.self) == [25])
        #expect(Set(KernelLibrary.embeddedProgramNames) == ["elementwise", "gguf", "lora", "nf4", "optimizer", "reduction", "transformer"],
                "update this test when a kernel file is added, so each one is built here")
    }

    @Test("status names for errors")
    func statusNames() {
        #expect(OpenCLStatus.name(-5) == "CL_OUT_OF_RESOURCES")
        #expect(CLBlastStatus.name(-1017) == "kInvalidDimension")
        #expect(CLBlastStatus.name(-4) == "CL_MEM_OBJECT_ALLOCATION_FAILURE")
        #expect("\(DeviceError.clblast(call: "CLBlastSgemm", status: -1017))" == "CLBlastSgemm failed: kInvalidDimension (-1017)")
    }
}
