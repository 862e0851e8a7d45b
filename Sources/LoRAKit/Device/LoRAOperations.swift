/// Operations of the LoRA family (`LoRAContract`; see `LoRALinear` for how they combine with `gemm`).
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol LoRAOperations: DeviceCore {
    /// `out = mask ⊙ x / (1 − p)` with the mask of `key` (`DropoutKey`); out may be x. With p = 0
    /// it copies. Every backend keeps exactly the same elements for the same key.
    func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws
    /// The low-rank expansion that starts a fused LoRA forward: `Y[m, o] = bias[o] + scale·Σ_j T[m, j]·B[o, j]`
    /// for T rows×rank, B outFeatures×rank, Y rows×outFeatures. It writes Y once, without reading
    /// it, and the base product then accumulates into Y (`gemm` with beta = 1).
    func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float,
                    rows: Int, outFeatures: Int, rank: Int, into y: DeviceBuffer) throws
    /// `W += scale·B·A` in place for a float32, float16 or bfloat16 W (outFeatures×inFeatures), B
    /// outFeatures×rank, A rank×inFeatures; 16-bit results round to nearest even (as `convert`).
    /// Merging uses scale = s, unmerging −s.
    func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                   outFeatures: Int, inFeatures: Int, rank: Int) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension LoRAOperations {
    public func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws {
        throw DeviceError.unsupported(.dropout, on: info.identifier)
    }

    public func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float, rows: Int,
                           outFeatures: Int, rank: Int, into y: DeviceBuffer) throws {
        throw DeviceError.unsupported(.loraExpand, on: info.identifier)
    }

    public func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float, outFeatures: Int,
                          inFeatures: Int, rank: Int) throws {
        throw DeviceError.unsupported(.loraMerge, on: info.identifier)
    }
}
