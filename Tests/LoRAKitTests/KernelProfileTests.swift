import Foundation
import LoRAKit
import Testing

/// A GPU's and a CPU's work-group sizes and memory paths (`KernelLibrary.Profile`) on every
/// OpenCL device, so that pocl in CI also runs the paths a GPU takes (groups of 256, reduction
/// trees of 256, lora_forward_expand staged through local memory). The reductions must meet their
/// usual reference bounds under both; the ops whose order of arithmetic does not depend on the
/// group (the LoRA expansion, the norm weight's two-pass gradient, the embedding gradient) must
/// give the same bits under both.
@Suite("Kernel profiles: GPU and CPU work-group sizes and paths on every OpenCL device")
struct KernelProfileTests {
    static let profiles: [KernelLibrary.Profile] = [.gpu, .cpu]

    static func open(_ info: DeviceInfo, _ profile: KernelLibrary.Profile) throws -> any Device {
        try Devices.openSeparately(info, kernels: .fromEnvironment().with(profile: profile))
    }

    @Test("reductions (RMSNorm, causal softmax, cross-entropy, sums of squares, NF4 absmax) within their reference bounds",
          arguments: TestDevices.openCL, Self.profiles)
    func reductions(info: DeviceInfo, profile: KernelLibrary.Profile) throws {
        let device = try Self.open(info, profile)
        try TransformerOpsTests.checkRMSNorm(on: device)
        try SoftmaxCrossEntropyTests.checkCausalSoftmax(on: device)
        try SoftmaxCrossEntropyTests.checkCrossEntropy(on: device)
        try ReductionTests.checkRowSumOfSquares(on: device)
        try ReductionTests.checkPartialSums(on: device)
        try NF4DeviceQuantizationTests.checkQuantize(on: device)
    }

    /// Y = bias + s·T·Bᵀ on `device`, as bits. Ranks above the kernel's 16-column staging slice
    /// and shapes that are no multiple of its 64×4 tile.
    static func expand(on device: any Device, rows: Int, outFeatures: Int, rank: Int, bias: Bool) throws -> [UInt32] {
        var values = SeededValues(seed: UInt64(rows * 1000 + outFeatures + rank))
        let t = try device.makeBuffer(values.floats(rows * rank), label: "T"), b = try device.makeBuffer(values.floats(outFeatures * rank), label: "B")
        let biasBuffer = bias ? try device.makeBuffer(values.floats(outFeatures), label: "bias") : nil
        let y = try device.makeBuffer(.float32, count: rows * outFeatures, label: "Y")
        try device.loraExpand(t: t, b: b, bias: biasBuffer, scale: 0.75, rows: rows, outFeatures: outFeatures, rank: rank, into: y)
        return try y.download(as: Float.self).map(\.bitPattern)
    }

    static let expandShapes = [(1, 5, 3, false), (70, 129, 16, true), (5, 64, 40, false), (33, 200, 17, true)]

    @Test("LoRA expansion: the same bits under both profiles", arguments: TestDevices.openCL)
    func loraExpand(info: DeviceInfo) throws {
        let (gpu, cpu) = (try Self.open(info, .gpu), try Self.open(info, .cpu))
        for (rows, outFeatures, rank, bias) in Self.expandShapes {
            let staged = try Self.expand(on: gpu, rows: rows, outFeatures: outFeatures, rank: rank, bias: bias)
            let direct = try Self.expand(on: cpu, rows: rows, outFeatures: outFeatures, rank: rank, bias: bias)
            #expect(staged.count == direct.count && zip(staged, direct).allSatisfy { $0 == $1 },
                    "M\(rows) N\(outFeatures) r\(rank): \(zip(staged, direct).filter { $0 != $1 }.count) elements differ")
        }
    }

    @Test("norm weight and embedding gradients: the same bits under both profiles", arguments: TestDevices.openCL)
    func columnGradients(info: DeviceInfo) throws {
        let (gpu, cpu) = (try Self.open(info, .gpu), try Self.open(info, .cpu))
        for (rows, columns) in ParameterGradientShapeTests.normShapes {
            let a = try ParameterGradientShapeTests.normGradient(on: gpu, rows: rows, columns: columns).first
            let b = try ParameterGradientShapeTests.normGradient(on: cpu, rows: rows, columns: columns).first
            #expect(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }, "dw \(rows)×\(columns)")
        }
        for shape in ParameterGradientShapeTests.embeddingShapes {
            let a = try ParameterGradientShapeTests.embeddingGradient(on: gpu, shape), b = try ParameterGradientShapeTests.embeddingGradient(on: cpu, shape)
            #expect(a == b, "dTable \(shape)")
        }
    }
}
