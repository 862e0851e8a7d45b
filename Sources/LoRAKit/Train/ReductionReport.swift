/// What summing one step's gradients over the ranks cost this rank (`GradientReducer`).
public struct ReductionReport: Sendable, Equatable {
    /// Seconds inside the reducer: device → host copies, starting, testing, waiting, host → device.
    public var seconds = 0.0
    /// The part of `seconds` after the backward pass (starting the rest, waiting, copying back).
    public var secondsAfterBackward = 0.0
    /// The part of `seconds` blocked waiting for a sum, during the backward pass (for a free host
    /// buffer) or after it: the communication that overlapping did not hide, and any wait for
    /// a slower rank. The copies between device and host are outside it, and alike either way.
    public var waitSeconds = 0.0
    public var buckets = 0
    /// Buckets whose sum a test found done during the backward pass, with no wait: the overlap
    /// that happened.
    public var finishedUnderBackward = 0

    public init() {}
}
