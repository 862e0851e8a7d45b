/// One Linear module of a decoder block: adapted by LoRA when it is a target, frozen otherwise,
/// or trained in full (full-parameter training).
public enum Projection {
    case lora(LoRALinear)
    case frozen(FrozenLinear)
    case trainable(TrainableLinear)

    public var outFeatures: Int {
        switch self {
        case .lora(let layer): return layer.outFeatures
        case .frozen(let layer): return layer.outFeatures
        case .trainable(let layer): return layer.outFeatures
        }
    }

    /// Y for X (rows×in); in training mode a LoRA module also returns its saved state.
    func forward(_ x: DeviceBuffer, rows: Int, mode: LoRAMode) throws -> (DeviceBuffer, LoRASavedState?) {
        switch self {
        case .lora(let layer): return try layer.forward(x, rows: rows, mode: mode)
        case .frozen(let layer): return (try layer.forward(x, rows: rows), nil)
        case .trainable(let layer): return (try layer.forward(x, rows: rows), nil)
        }
    }

    /// dX (+)= from dY; a LoRA module also accumulates its A and B gradients, a trainable one its
    /// weight (and bias) gradient from the forward's `input`.
    func backward(_ dY: DeviceBuffer, saved: LoRASavedState?, input: DeviceBuffer, rows: Int, into dX: DeviceBuffer,
                  update: GradientUpdate) throws {
        switch self {
        case .lora(let layer):
            guard let saved else { throw LoRAError.invalidState("backward through \(layer.name) needs a training-mode forward") }
            try layer.backward(outputGradient: dY, saved: saved, parameterUpdate: .accumulate, inputGradient: dX, inputUpdate: update)
        case .frozen(let layer):
            try layer.backward(outputGradient: dY, rows: rows, into: dX, update: update)
        case .trainable(let layer):
            try layer.backward(outputGradient: dY, input: input, rows: rows, into: dX, update: update)
        }
    }
}
