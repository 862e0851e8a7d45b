import Foundation
import LoRAKit
import Testing

/// A GPU's and a CPU's work-group sizes (`KernelLibrary.Profile`) on every
/// OpenCL device, so that pocl in CI also runs the sizes a GPU takes (groups of 256, reduction
/// trees of 256). The reductions must meet their usual reference bounds under both; the ops
/// whose order of arithmetic does not depend on the group (the norm weight's two-pass gradient,
/// the embedding gradient) must give the same bits under both.
@Suite("Kernel profiles: GPU and CPU work-group sizes on every OpenCL device")
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
