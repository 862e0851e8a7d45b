/// How a multi-process run sums its gradients (`lorakit train --bucket-mb`, `--no-overlap`). Not
/// a training setting, and not in a checkpoint: it changes when the sums are taken and through
/// which buffers, never what is summed (each element is still the sum of the same N values).
public struct GradientReductionSettings: Sendable, Equatable, CustomStringConvertible {
    /// Bytes of gradients per bucket; PyTorch DDP's default bucket_cap_mb, 25 MiB.
    public var bucketBytes = 25 << 20
    /// Start each bucket's sum during the last micro-batch's backward pass, as soon as its
    /// gradients are final. False: after the backward pass, one bucket at a time.
    public var overlap = true
    /// Buckets in flight at once while overlapping, each with its own host buffer: one being
    /// summed while the next is copied and started.
    public var inFlight = 2

    public init() {}

    public var bucketFloats: Int { max(1, bucketBytes / MemoryLayout<Float>.size) }

    public var description: String {
        "gradient buckets of \(bucketBytes) bytes, " + (overlap ? "overlapped, \(inFlight) in flight" : "after the backward pass")
    }
}
