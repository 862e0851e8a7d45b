extension HostDevice {
    public func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer, secondMoment v: DeviceBuffer,
                      step: AdamWStep) throws {
        try OptimizerContract.adamW(parameters: p, gradients: g, firstMoment: m, secondMoment: v, step: step, on: self)
        let pp = floats(p), pg = UnsafePointer(floats(g)), pm = floats(m), pv = floats(v)
        let (lr, b1, b2, eps, wd) = (step.learningRate, step.beta1, step.beta2, step.epsilon, step.weightDecay)
        let (bc1, sbc2, scale) = (step.biasCorrection1, step.sqrtBiasCorrection2, step.gradientScale)
        ParallelLoop.chunks(p.count) { range in
            for i in range {
                let gi = pg[i] * scale
                let mi = b1 * pm[i] + (1 - b1) * gi
                let vi = b2 * pv[i] + (1 - b2) * gi * gi
                pm[i] = mi
                pv[i] = vi
                var pi = pp[i] * (1 - lr * wd)
                pi -= (lr / bc1) * mi / (vi.squareRoot() / sbc2 + eps)
                pp[i] = pi
            }
        }
    }
}
