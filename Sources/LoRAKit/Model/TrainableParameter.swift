/// A tensor the optimizer updates: its values, the gradient that backward accumulates into, and
/// whether AdamW's decoupled weight decay applies to it (not to norm weights and biases, which
/// transformers' Trainer also exempts).
public struct TrainableParameter {
    /// The tensor's name in the files it is saved to: `model.layers.0.self_attn.q_proj.weight`
    /// in full-parameter training, `model.layers.0.self_attn.q_proj.lora_A` for an adapter.
    public let name: String
    public let value: DeviceBuffer
    public let gradient: DeviceBuffer
    public let decays: Bool

    public init(name: String, value: DeviceBuffer, gradient: DeviceBuffer, decays: Bool) {
        (self.name, self.value, self.gradient, self.decays) = (name, value, gradient, decays)
    }
}
