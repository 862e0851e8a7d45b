extension HostDevice {
    public func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer, secondMoment v: DeviceBuffer,
                      step: AdamWStep) throws {
        try OptimizerContract.adamW(parameters: p, gradients: g, firstMoment: m, secondMoment: v, step: step, on: self)
        let pointers = AdamWPointers(p: floats(p), g: UnsafePointer(floats(g)), m: floats(m), v: floats(v))
        let constants = AdamWConstants(step)
        // Eight lanes at a time: the same operations in the same order per element as the scalar
        // tail (no fused multiply-add), so every lane rounds exactly as the scalar formula does.
        ParallelLoop.chunks(p.count, minimumChunk: 1 << 14, heavy: true) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                constants.update8(pointers, at: i)
                i += 8
            }
            while i < range.upperBound {
                constants.update(pointers, at: i)
                i += 1
            }
        }
    }
}

/// The four float32 arrays of one AdamW call.
private struct AdamWPointers: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
}

/// PyTorch's AdamW (decoupled weight decay) for one element or eight, with the step's scalars.
private struct AdamWConstants {
    let lr: Float, b1: Float, b2: Float, eps: Float, wd: Float, bc1: Float, sbc2: Float, scale: Float

    init(_ step: AdamWStep) {
        (lr, b1, b2, eps, wd) = (step.learningRate, step.beta1, step.beta2, step.epsilon, step.weightDecay)
        (bc1, sbc2, scale) = (step.biasCorrection1, step.sqrtBiasCorrection2, step.gradientScale)
    }

    func update(_ x: AdamWPointers, at i: Int) {
        let gi = x.g[i] * scale
        let mi = b1 * x.m[i] + (1 - b1) * gi
        let vi = b2 * x.v[i] + (1 - b2) * gi * gi
        x.m[i] = mi
        x.v[i] = vi
        var pi = x.p[i] * (1 - lr * wd)
        pi -= (lr / bc1) * mi / (vi.squareRoot() / sbc2 + eps)
        x.p[i] = pi
    }

    func update8(_ x: AdamWPointers, at i: Int) {
        typealias F8 = SIMD8<Float>
        func load(_ pointer: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(pointer + i).loadUnaligned(as: F8.self) }
        func store(_ value: F8, _ pointer: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(pointer + i).storeBytes(of: value, as: F8.self) }
        let gi = load(x.g) * scale
        let mi = b1 * load(x.m) + (1 - b1) * gi
        let vi = b2 * load(x.v) + (1 - b2) * gi * gi
        store(mi, x.m)
        store(vi, x.v)
        var pi = load(x.p) * (1 - lr * wd)
        pi -= (lr / bc1) * mi / (vi.squareRoot() / sbc2 + eps)
        store(pi, x.p)
    }
}
