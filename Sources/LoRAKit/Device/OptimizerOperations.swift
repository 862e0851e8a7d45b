/// Operations of the optimizer (`OptimizerContract`).
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol OptimizerOperations: DeviceCore {
    /// One AdamW step (PyTorch's formulas, see Kernels/optimizer.cl) on parameters p with
    /// gradient g (multiplied by `step.gradientScale` first) and moments m, v (all float32, same count).
    func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer, secondMoment v: DeviceBuffer,
               step: AdamWStep) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension OptimizerOperations {
    public func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer,
                      secondMoment v: DeviceBuffer, step: AdamWStep) throws {
        throw DeviceError.unsupported(.adamW, on: info.identifier)
    }
}
