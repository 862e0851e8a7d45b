/// Whether an operation overwrites a gradient buffer or adds to what it holds (gradient
/// accumulation over micro-batches, or layers that share an input such as q/k/v projections).
public enum GradientUpdate: Sendable, Equatable {
    case overwrite
    case accumulate
}
