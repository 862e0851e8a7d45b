/// Errors of training setup and data, naming the file or setting.
public enum TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidSetting(String)
    case dataTooShort(file: String, tokens: Int, needed: Int)
    case checkpoint(file: String, detail: String)
    /// A step whose loss or gradient norm is not finite; `parameter` is the first whose gradient is not.
    case nonFinite(step: Int, loss: Double, gradientNorm: Double, parameter: String?)

    public var description: String {
        switch self {
        case let .nonFinite(step, loss, norm, parameter):
            return "step \(step): loss \(loss), gradient norm \(norm): not finite; "
                + (parameter.map { "the first non-finite gradient is \($0)'s; " } ?? "every gradient is finite but the loss is not; ")
                + "stopped before updating anything (the last checkpoint is untouched; --skip-nonfinite N skips up to N such steps)"
        case .invalidSetting(let detail): return "invalid training setting: \(detail)"
        case let .dataTooShort(file, tokens, needed):
            return "\(file): \(tokens) tokens is shorter than one sequence of \(needed) tokens; use a shorter --seq-len or more data"
        case let .checkpoint(file, detail): return "\(file): \(detail)"
        }
    }
}
