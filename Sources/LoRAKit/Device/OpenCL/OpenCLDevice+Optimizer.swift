extension OpenCLDevice {
    public func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer, secondMoment v: DeviceBuffer,
                      step: AdamWStep) throws {
        try OptimizerContract.adamW(parameters: p, gradients: g, firstMoment: m, secondMoment: v, step: step, on: self)
        try launch("optimizer_adamw", program: "optimizer",
                   arguments: [.ulong(UInt64(p.count)), .float(step.learningRate), .float(step.beta1), .float(step.beta2),
                               .float(step.epsilon), .float(step.weightDecay), .float(step.biasCorrection1),
                               .float(step.sqrtBiasCorrection2), .float(step.gradientScale),
                               .buffer(p), .buffer(g), .buffer(m), .buffer(v)],
                   over: .items(p.count))
    }
}
