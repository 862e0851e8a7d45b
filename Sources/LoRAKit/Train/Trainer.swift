import Foundation

/// What one optimizer step did.
public struct StepReport: Sendable {
    public let step: Int
    public let totalSteps: Int
    /// Mean next-token loss over the step's micro-batches.
    public let loss: Double
    public let learningRate: Float
    /// Global gradient norm before clipping.
    public let gradientNorm: Double
    public let tokens: Int
}

/// Training of a `LlamaModel` (its LoRA adapters, or every tensor in full-parameter mode) on
/// `TokenWindows`: seeded shuffling per epoch, gradient accumulation, global-norm clipping, AdamW
/// with a learning-rate schedule, held-out evaluation, and checkpoints (PEFT adapter or model
/// weights, + optimizer state) that resume bit for bit.
public final class Trainer {
    public let model: LlamaModel
    public let data: TokenWindows
    public let config: TrainingConfig
    /// Completed optimizer steps.
    public internal(set) var step = 0
    var epoch = 0
    var cursor = 0
    /// What the optimizer updates, and its AdamW moments in the same order.
    let parameters: [TrainableParameter]
    let moments: [(m: DeviceBuffer, v: DeviceBuffer)]
    let globalNorm: GradientNorm

    public init(model: LlamaModel, data: TokenWindows, config: TrainingConfig) throws {
        try config.validate()
        parameters = model.trainableParameters
        guard !parameters.isEmpty else {
            throw TrainingError.invalidSetting("the model has nothing to train: no LoRA layers and not in full-parameter mode")
        }
        guard data.trainingWindows >= config.batch else {
            throw TrainingError.invalidSetting("--batch \(config.batch) exceeds the \(data.trainingWindows) training windows")
        }
        self.model = model
        self.data = data
        self.config = config
        moments = try parameters.map { parameter in
            (m: try model.device.makeBuffer(.float32, count: parameter.value.count, label: parameter.name + ".exp_avg"),
             v: try model.device.makeBuffer(.float32, count: parameter.value.count, label: parameter.name + ".exp_avg_sq"))
        }
        globalNorm = try GradientNorm(parameters: parameters, device: model.device)
    }

    /// The shuffled window order of the current epoch, computed once per epoch.
    private var epochOrder: (epoch: Int, order: [Int])?

    /// The next `batch` training windows, continuing the epoch's shuffled order.
    private func nextBatch() -> [Int32] {
        var ids: [Int32] = []
        for _ in 0..<config.batch {
            if epochOrder?.epoch != epoch { epochOrder = (epoch, data.order(epoch: epoch, seed: config.seed)) }
            let order = epochOrder!.order
            ids += data.window(order[cursor])
            cursor += 1
            if cursor == order.count {
                cursor = 0
                epoch += 1
            }
        }
        return ids
    }

    /// One optimizer step over `accumulation` micro-batches.
    public func runStep() throws -> StepReport {
        try model.zeroGradients()
        var lossSum = 0.0, tokens = 0
        for micro in 0..<config.accumulation {
            let ids = nextBatch()
            let dropoutStep = UInt32(truncatingIfNeeded: step * config.accumulation + micro)
            let (loss, count) = try model.lossAndGradients(ids: ids, batch: config.batch, step: dropoutStep, checkpointing: config.checkpointing)
            lossSum += loss
            tokens += count
        }
        // Gradients summed over micro-batches; the mean is their sum / accumulation.
        let device = model.device
        let norm = try globalNorm.compute() / Double(config.accumulation)
        var scale = 1 / Float(config.accumulation)
        if config.maxGradNorm > 0, norm > Double(config.maxGradNorm) {
            scale *= Float(Double(config.maxGradNorm) / (norm + 1e-6))   // torch's clip_grad_norm_
        }
        let rate = config.schedule.rate(at: step)
        let adam = AdamWStep(learningRate: rate, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon,
                             weightDecay: config.weightDecay, step: step + 1, gradientScale: scale)
        var exempt = adam
        exempt.weightDecay = 0
        for (parameter, moment) in zip(parameters, moments) {
            try device.adamW(parameters: parameter.value, gradients: parameter.gradient, firstMoment: moment.m, secondMoment: moment.v,
                             step: parameter.decays ? adam : exempt)
        }
        step += 1
        return StepReport(step: step, totalSteps: config.steps, loss: lossSum / Double(config.accumulation), learningRate: rate,
                          gradientNorm: norm, tokens: tokens)
    }

    /// Mean next-token loss over the held-out windows (nil when none are held out).
    public func evaluate() throws -> Double? {
        guard data.heldOutWindows > 0 else { return nil }
        var total = 0.0, tokens = 0
        for index in 0..<data.heldOutWindows {
            let (loss, count) = try model.loss(ids: Array(data.heldOutWindow(index)), batch: 1)
            total += loss * Double(count)
            tokens += count
        }
        return total / Double(tokens)
    }
}
