import LoRAKit

/// One shape of the lora suite: a LoRA layer (M×K input, N×K frozen weight, rank r) with its
/// buffers, and the six timed passes: the frozen product alone, the unfused LoRA (each op a
/// separate kernel, temporaries allocated once as a caching allocator would) and LoRAKit's
/// layer, forward and backward.
final class LoRABenchCase {
    let device: any Device
    let (m, k, n, r): (Int, Int, Int, Int)
    let dropout: Float
    let layer: LoRALinear
    let weight: DeviceBuffer, x: DeviceBuffer, dY: DeviceBuffer, y: DeviceBuffer, dX: DeviceBuffer
    let y0: DeviceBuffer, xd: DeviceBuffer, t: DeviceBuffer, u: DeviceBuffer, du: DeviceBuffer, dT: DeviceBuffer, dXd: DeviceBuffer
    let key: DropoutKey
    let saved: LoRASavedState?

    init(device: any Device, m: Int, size: Int, rank r: Int, dropout: Float) throws {
        (self.device, self.m, k, n, self.r, self.dropout) = (device, m, size, size, r, dropout)
        // Values in [−0.5, 0.5): the data does not change the timing, only avoids denormals.
        func buffer(_ count: Int, _ label: String) throws -> DeviceBuffer {
            try device.makeBuffer((0..<count).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }, label: label)
        }
        func empty(_ count: Int, _ label: String) throws -> DeviceBuffer { try device.makeBuffer(.float32, count: count, label: label) }
        weight = try buffer(size * size, "W")
        layer = try LoRALinear(weight: weight, inFeatures: size, outFeatures: size,
                               config: LoRAConfig(rank: r, alpha: 2 * Float(r), dropout: dropout), seed: 1)
        try layer.loraB.upload((0..<(size * r)).map { Float($0 % 11) / 110 })
        (x, dY) = (try buffer(m * size, "X"), try buffer(m * size, "dY"))
        (y, dX) = (try empty(m * size, "Y"), try empty(m * size, "dX"))
        key = layer.dropoutKey(step: 1)
        (y0, xd, t, u) = (try empty(m * size, "Y0"), try empty(m * size, "drop(X)"), try empty(m * r, "T"), try empty(m * size, "U"))
        (du, dT, dXd) = (try empty(m * size, "s·dY"), try empty(m * r, "dT"), try empty(m * size, "dX low-rank"))
        saved = try layer.forward(x, rows: m, mode: .training(step: 1), into: y).1
    }

    var branchInput: DeviceBuffer { dropout > 0 ? xd : x }

    func baseForward() throws {
        try device.gemm(m: m, n: n, k: k, a: x, b: weight, c: y, transposeB: true)
        try device.synchronize()
    }

    func unfusedForward() throws {
        try device.gemm(m: m, n: n, k: k, a: x, b: weight, c: y0, transposeB: true)
        if dropout > 0 { try device.dropout(x, into: xd, probability: dropout, key: key) }
        try device.gemm(m: m, n: r, k: k, a: branchInput, b: layer.loraA, c: t, transposeB: true)
        try device.gemm(m: m, n: n, k: r, a: t, b: layer.loraB, c: u, transposeB: true)
        try device.scale(u, by: layer.scale)
        try device.add(y0, u, into: y)
        try device.synchronize()
    }

    func loraForward() throws {
        _ = try layer.forward(x, rows: m, mode: .training(step: 1), into: y)
        try device.synchronize()
    }

    func baseBackward() throws {
        try device.gemm(m: m, n: k, k: n, a: dY, b: weight, c: dX)
        try device.synchronize()
    }

    func unfusedBackward() throws {
        try device.copy(from: dY, to: du)
        try device.scale(du, by: layer.scale)
        try device.gemm(m: m, n: r, k: n, a: du, b: layer.loraB, c: dT)
        try device.gemm(m: n, n: r, k: m, a: du, b: t, c: layer.gradB, transposeA: true)
        if dropout > 0 { try device.dropout(x, into: xd, probability: dropout, key: key) }
        try device.gemm(m: r, n: k, k: m, a: dT, b: branchInput, c: layer.gradA, transposeA: true)
        try device.gemm(m: m, n: k, k: r, a: dT, b: layer.loraA, c: dXd)
        if dropout > 0 { try device.dropout(dXd, into: dXd, probability: dropout, key: key) }
        try device.gemm(m: m, n: k, k: n, a: dY, b: weight, c: dX)
        try device.add(dX, dXd, into: dX)
        try device.synchronize()
    }

    func loraBackward() throws {
        try layer.backward(outputGradient: dY, saved: saved!, inputGradient: dX)
        try device.synchronize()
    }

    /// The six passes' names and FLOP counts, in the order they are timed.
    var plan: [(op: String, pass: String, flops: Double)] {
        let (md, kd, nd, rd) = (Double(m), Double(k), Double(n), Double(r))
        let forwardFlops = 2 * md * kd * nd + 2 * md * kd * rd + 2 * md * rd * nd
        let backwardFlops = 2 * md * nd * kd + 4 * md * nd * rd + 4 * md * kd * rd
        return [("base", "forward", 2 * md * kd * nd), ("unfused", "forward", forwardFlops), ("lora", "forward", forwardFlops),
                ("base", "backward", 2 * md * nd * kd), ("unfused", "backward", backwardFlops), ("lora", "backward", backwardFlops)]
    }
}
