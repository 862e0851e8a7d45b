/// A Linear layer trained in full: `Y = X·Wᵀ + bias` with a float32 W, and in backward
/// `dX (+)= dY·W`, `dW += dYᵀ·X`, `dbias += Σ_rows dY`. Only full-parameter training (the
/// bundled base's pretraining) uses it; LoRA fine-tuning keeps its bases in `FrozenLinear`.
public final class TrainableLinear {
    public let weight: DeviceBuffer
    public let bias: DeviceBuffer?
    public let weightGradient: DeviceBuffer
    public let biasGradient: DeviceBuffer?
    /// The forward product and dX are those of a frozen layer over the same buffers.
    private let linear: FrozenLinear
    /// A column of ones for the bias gradient's Σ_rows (1ᵀ·dY), kept while the row count stays.
    private var ones: DeviceBuffer?

    /// `weightGradient` defaults to a fresh buffer; a tied LM head passes the embedding's, so
    /// both uses of the shared matrix add into one gradient.
    public init(weight: DeviceBuffer, bias: DeviceBuffer?, inFeatures: Int, outFeatures: Int, weightGradient: DeviceBuffer? = nil) throws {
        guard weight.elementType == .float32 else {
            throw LoRAError.invalidInput("full-parameter training needs float32 weights; '\(weight.label)' is \(weight.elementType)")
        }
        linear = try FrozenLinear(weight: .dense(weight), bias: bias, inFeatures: inFeatures, outFeatures: outFeatures)
        let device = weight.device
        if let weightGradient, weightGradient.count != weight.count || weightGradient.elementType != .float32 {
            throw LoRAError.invalidInput("gradient \(weightGradient) does not match weight \(weight)")
        }
        self.weight = weight
        self.bias = bias
        self.weightGradient = try weightGradient ?? device.makeBuffer(.float32, count: weight.count, label: weight.label + ".grad")
        biasGradient = try bias.map { try device.makeBuffer(.float32, count: $0.count, label: $0.label + ".grad") }
    }

    public var inFeatures: Int { linear.inFeatures }
    public var outFeatures: Int { linear.outFeatures }

    public func forward(_ x: DeviceBuffer, rows: Int) throws -> DeviceBuffer {
        try linear.forward(x, rows: rows)
    }

    /// dX from dY (overwrite or accumulate) and the parameter gradients, always accumulated.
    public func backward(outputGradient dY: DeviceBuffer, input x: DeviceBuffer, rows: Int, into dX: DeviceBuffer,
                         update: GradientUpdate) throws {
        let device = weight.device
        try linear.backward(outputGradient: dY, rows: rows, into: dX, update: update)
        try device.gemm(m: outFeatures, n: inFeatures, k: rows, a: dY, b: x, c: weightGradient, transposeA: true, beta: 1)
        if let biasGradient {
            if ones?.count != rows {
                let column = try device.makeBuffer(.float32, count: rows, label: "ones")
                try device.fill(column, with: 1)
                ones = column
            }
            try device.gemm(m: 1, n: outFeatures, k: rows, a: ones!, b: dY, c: biasGradient, beta: 1)
        }
    }
}
