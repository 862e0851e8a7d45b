/// A Linear layer that is not adapted: `Y = X·Wᵀ + bias`, with `dX (+)= dY·W` in backward and no
/// gradient for W or the bias. The weight is dense (float32, float16 or bfloat16), NF4 or GGUF
/// blocks, like a LoRA base.
public final class FrozenLinear {
    public let weight: FrozenWeight
    public let bias: DeviceBuffer?
    public let inFeatures: Int
    public let outFeatures: Int
    let scratch: DequantizationScratch

    public init(weight: FrozenWeight, bias: DeviceBuffer?, inFeatures: Int, outFeatures: Int, scratch: DequantizationScratch? = nil) throws {
        guard weight.elementCount == inFeatures * outFeatures else {
            throw LoRAError.invalidInput("weight '\(weight.label)' has \(weight.elementCount) elements, not \(outFeatures)×\(inFeatures)")
        }
        try weight.checkStorage()
        if let bias, bias.count != outFeatures || bias.elementType != .float32 {
            throw LoRAError.invalidInput("bias \(bias) must be float32 with \(outFeatures) elements")
        }
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.scratch = scratch ?? DequantizationScratch.shared(for: weight.device)
    }

    var device: any Device { weight.device }

    public func forward(_ x: DeviceBuffer, rows: Int) throws -> DeviceBuffer {
        let y = try device.makeBuffer(.float32, count: rows * outFeatures, label: "\(weight.label).output")
        var beta: Float = 0
        if let bias {
            try device.broadcastRows(bias, rows: rows, into: y)   // the main GEMM accumulates onto it
            beta = 1
        }
        try weight.multiply(x, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures, into: y, beta: beta, scratch: scratch)
        return y
    }

    public func backward(outputGradient dY: DeviceBuffer, rows: Int, into dX: DeviceBuffer, update: GradientUpdate) throws {
        try weight.multiplyTransposed(dY, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures, into: dX,
                                      beta: update == .accumulate ? 1 : 0, scratch: scratch)
    }
}
