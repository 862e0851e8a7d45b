import Foundation

/// The scalars of one AdamW step, shared by both backends: the bias corrections are computed here
/// in double precision from the step number, so every device uses the same values.
public struct AdamWStep: Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// 1-based step number t.
    public var step: Int
    /// Multiplies the gradient first: min(1, maxNorm/‖g‖) for global-norm clipping, else 1.
    public var gradientScale: Float

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
                step: Int, gradientScale: Float = 1) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.step = step
        self.gradientScale = gradientScale
    }

    /// 1 − β1^t
    var biasCorrection1: Float { Float(1 - pow(Double(beta1), Double(step))) }
    /// √(1 − β2^t)
    var sqrtBiasCorrection2: Float { Float((1 - pow(Double(beta2), Double(step))).squareRoot()) }

    func validate(operation: String) throws {
        guard step >= 1 else { throw DeviceError.invalidArgument(operation: operation, detail: "step \(step) must be at least 1") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw DeviceError.invalidArgument(operation: operation, detail: "betas (\(beta1), \(beta2)) must be in [0, 1)")
        }
        guard learningRate >= 0, learningRate.isFinite, epsilon > 0, weightDecay >= 0, gradientScale.isFinite else {
            throw DeviceError.invalidArgument(operation: operation,
                                              detail: "learning rate \(learningRate), epsilon \(epsilon), weight decay \(weightDecay) and gradient scale \(gradientScale) must be finite and non-negative (epsilon positive)")
        }
    }
}
