/// The global L2 norm of every trainable parameter's gradient, as clipping needs it, in one
/// reduction and one read: each gradient's partial sums of squares go to its own slots of one
/// buffer (a fixed partition, so the result is the same every run), the device work is enqueued
/// for all of them, and the slots are read back once and added in double precision.
struct GradientNorm {
    let gradients: [DeviceBuffer]
    /// Parts per gradient: one per 64 Ki elements, at most 64, so large tensors use many
    /// work-groups and small ones (LoRA A and B) one.
    let parts: [Int]
    let partials: DeviceBuffer

    init(parameters: [TrainableParameter], device: any Device) throws {
        gradients = parameters.map(\.gradient)
        parts = gradients.map { min(64, max(1, $0.count >> 16)) }
        partials = try device.makeBuffer(.float32, count: parts.reduce(0, +), label: "gradient norm partial sums")
    }

    /// √(Σ over every gradient element of g²).
    func compute() throws -> Double { try computeWithFault().norm }

    /// The norm, and the index of the first gradient whose sum of squares is not finite (a NaN
    /// or infinity in it, or squares beyond float32), found in the same single read.
    func computeWithFault() throws -> (norm: Double, firstNonFinite: Int?) {
        var offset = 0
        for (gradient, count) in zip(gradients, parts) {
            try partials.device.partialSumsOfSquares(gradient, parts: count, into: partials, at: offset)
            offset += count
        }
        let sums: [Float] = try partials.download()
        var first: Int?
        offset = 0
        for (index, count) in parts.enumerated() {
            if first == nil, sums[offset..<(offset + count)].contains(where: { !$0.isFinite }) { first = index }
            offset += count
        }
        return (sums.reduce(0.0) { $0 + Double($1) }.squareRoot(), first)
    }
}
