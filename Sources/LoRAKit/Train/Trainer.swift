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
    /// The loss or gradient was not finite and the update was skipped (`skipNonFinite`).
    public var skipped = false
}

/// Training of a `LlamaModel` (its LoRA adapters, or every tensor in full-parameter mode) on
/// `TrainingData` (token windows or examples): seeded shuffling per epoch, gradient accumulation, global-norm clipping, AdamW
/// with a learning-rate schedule, held-out evaluation, and checkpoints (PEFT adapter or model
/// weights, + optimizer state) that resume bit for bit.
public final class Trainer {
    public let model: LlamaModel
    public let data: any TrainingData
    public let config: TrainingConfig
    /// Completed optimizer steps.
    public internal(set) var step = 0
    /// Steps whose loss or gradient is not finite that may be skipped (no update) before one
    /// stops the run with `TrainingError.nonFinite`; `skippedSteps` counts those skipped.
    public var skipNonFinite = 0
    public private(set) var skippedSteps = 0
    var epoch = 0
    var cursor = 0
    /// What the optimizer updates, and its AdamW moments in the same order.
    let parameters: [TrainableParameter]
    let moments: [(m: DeviceBuffer, v: DeviceBuffer)]
    let globalNorm: GradientNorm

    public init(model: LlamaModel, data: any TrainingData, config: TrainingConfig) throws {
        try config.validate()
        parameters = model.trainableParameters
        guard !parameters.isEmpty else {
            throw TrainingError.invalidSetting("the model has nothing to train: no LoRA layers and not in full-parameter mode")
        }
        guard data.trainingItems >= config.batch else {
            throw TrainingError.invalidSetting("--batch \(config.batch) exceeds the \(data.trainingItems) training sequences")
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

    /// The shuffled item order of the current epoch, computed once per epoch.
    private var epochOrder: (epoch: Int, order: [Int])?

    /// The next `batch` training items, continuing the epoch's shuffled order.
    private func nextBatch() throws -> SequenceBatch {
        var items: [Int] = []
        for _ in 0..<config.batch {
            if epochOrder?.epoch != epoch { epochOrder = (epoch, SeededOrder.shuffled(count: data.trainingItems, epoch: epoch, seed: config.seed)) }
            let order = epochOrder!.order
            items.append(order[cursor])
            cursor += 1
            if cursor == order.count {
                cursor = 0
                epoch += 1
            }
        }
        return try data.batch(of: items)
    }

    /// One optimizer step over `accumulation` micro-batches. The loss is the mean over every
    /// predicted token of the step (transformers' `num_items_in_batch`), so micro-batches with
    /// more trained tokens weigh more, as one large batch would weigh them.
    public func runStep() throws -> StepReport {
        try model.zeroGradients()
        let batches = try (0..<config.accumulation).map { _ in try nextBatch() }
        let tokens = batches.reduce(0) { $0 + $1.predictedTokens }
        var lossSum = 0.0
        // Decided by --seq-len, not each micro-batch's own length: padded examples make shorter
        // batches, and those must not run without checkpointing and need more memory than a full one.
        let checkpointing = config.checkpointing ?? (data.sequenceLength >= 512)
        for (micro, batch) in batches.enumerated() {
            let dropoutStep = UInt32(truncatingIfNeeded: step * config.accumulation + micro)
            let (loss, count) = try model.lossAndGradients(batch, step: dropoutStep, checkpointing: checkpointing, normalizer: tokens)
            lossSum += loss * Double(count)
        }
        // The gradients are already those of the step's mean loss.
        let device = model.device
        let loss = lossSum / Double(max(1, tokens))
        let (norm, fault) = try globalNorm.computeWithFault()
        let rate = config.schedule.rate(at: step)
        guard loss.isFinite, norm.isFinite, fault == nil else {
            try refuseOrSkipNonFinite(loss: loss, norm: norm, fault: fault)
            step += 1
            return StepReport(step: step, totalSteps: config.steps, loss: loss, learningRate: rate, gradientNorm: norm, tokens: tokens, skipped: true)
        }
        var scale: Float = 1
        if config.maxGradNorm > 0, norm > Double(config.maxGradNorm) {
            scale *= Float(Double(config.maxGradNorm) / (norm + 1e-6))   // torch's clip_grad_norm_
        }
        let adam = AdamWStep(learningRate: rate, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon,
                             weightDecay: config.weightDecay, step: step + 1, gradientScale: scale)
        var exempt = adam
        exempt.weightDecay = 0
        for (parameter, moment) in zip(parameters, moments) {
            try device.adamW(parameters: parameter.value, gradients: parameter.gradient, firstMoment: moment.m, secondMoment: moment.v,
                             step: parameter.decays ? adam : exempt)
        }
        step += 1
        return StepReport(step: step, totalSteps: config.steps, loss: loss, learningRate: rate, gradientNorm: norm, tokens: tokens)
    }

    /// A step with a non-finite loss or gradient: counted as skipped while `skipNonFinite`
    /// allows, else an error naming the step, the loss, the norm and the first parameter whose
    /// gradient is not finite. Either way the parameters and moments are left as they were.
    private func refuseOrSkipNonFinite(loss: Double, norm: Double, fault: Int?) throws {
        guard skippedSteps < skipNonFinite else {
            throw TrainingError.nonFinite(step: step + 1, loss: loss, gradientNorm: norm, parameter: fault.map { parameters[$0].name })
        }
        skippedSteps += 1
    }

    /// Mean loss over every predicted token of the held-out batches (nil when none are held out).
    public func evaluate() throws -> Double? {
        let batches = try data.heldOutBatches()
        guard !batches.isEmpty else { return nil }
        var total = 0.0, tokens = 0
        for batch in batches {
            let (loss, count) = try model.loss(batch)
            total += loss * Double(count)
            tokens += count
        }
        return total / Double(max(1, tokens))
    }
}
