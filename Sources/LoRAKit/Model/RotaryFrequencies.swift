import Foundation

/// Llama 3.1's rescaling of RoPE frequencies (`rope_type: "llama3"`): long wavelengths are
/// slowed by `factor`, short ones kept, and those in between interpolated, so a model trained on
/// `originalMaxPositions` tokens reaches a longer context.
public struct Llama3RopeScaling: Sendable, Equatable {
    public var factor: Float
    public var lowFrequencyFactor: Float
    public var highFrequencyFactor: Float
    public var originalMaxPositions: Int

    public init(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalMaxPositions: Int) {
        self.factor = factor
        self.lowFrequencyFactor = lowFrequencyFactor
        self.highFrequencyFactor = highFrequencyFactor
        self.originalMaxPositions = originalMaxPositions
    }
}

/// RoPE's inverse frequencies inv_freq[i] for i < headDimension/2, in float32 step by step as
/// transformers computes them (`_compute_default_rope_parameters`, `_compute_llama3_parameters`),
/// so the rotation angles position·inv_freq[i] match its own.
public enum RotaryFrequencies {
    public static func inverseFrequencies(theta: Float, headDimension: Int, llama3: Llama3RopeScaling? = nil) -> [Float] {
        let base = (0..<(headDimension / 2)).map { 1 / pow(theta, Float(2 * $0) / Float(headDimension)) }
        guard let llama3 else { return base }
        let oldContext = Float(llama3.originalMaxPositions)
        let lowWavelength = oldContext / llama3.lowFrequencyFactor
        let highWavelength = oldContext / llama3.highFrequencyFactor
        return base.map { frequency in
            // torch evaluates scalar / tensor as reciprocal(tensor) · scalar; do the same.
            let wavelength = (1 / frequency) * Float(2 * Double.pi)   // Float.pi is rounded down; torch rounds 2π to nearest
            if wavelength < highWavelength { return frequency }
            let divided = frequency / llama3.factor
            if wavelength > lowWavelength { return divided }
            let smooth = ((1 / wavelength) * oldContext - llama3.lowFrequencyFactor) / (llama3.highFrequencyFactor - llama3.lowFrequencyFactor)
            return (1 - smooth) * frequency / llama3.factor + smooth * frequency   // transformers' order of operations
        }
    }
}

extension TransformerOperations {
    /// Rotary embedding with the default frequencies θ^(−2i/D).
    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int, theta: Float, inverse: Bool,
                     positionOffset: Int = 0) throws {
        guard theta > 1, theta.isFinite else { throw DeviceError.invalidArgument(operation: "rope", detail: "theta \(theta) must exceed 1") }
        let frequencies = try makeBuffer(RotaryFrequencies.inverseFrequencies(theta: theta, headDimension: max(0, headDimension)),
                                         label: "rope frequencies")
        try rope(x, rows: rows, heads: heads, headDimension: headDimension, sequenceLength: sequenceLength, inverseFrequencies: frequencies,
                 inverse: inverse, positionOffset: positionOffset)
    }
}
