/// Errors of the LoRA layer that are not device errors: bad hyper-parameters, and inputs that do
/// not fit the layer.
public enum LoRAError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidConfiguration(String)
    case invalidInput(String)
    case invalidState(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let detail): return "invalid LoRA configuration: \(detail)"
        case .invalidInput(let detail): return "invalid LoRA input: \(detail)"
        case .invalidState(let detail): return "LoRA layer state: \(detail)"
        }
    }
}
