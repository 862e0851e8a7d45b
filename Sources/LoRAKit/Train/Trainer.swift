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
    /// Trained tokens of the step, over all ranks.
    public let tokens: Int
    /// The loss or gradient was not finite and the update was skipped (`skipNonFinite`).
    public var skipped = false
    /// Seconds this rank spent summing over the ranks (copies to and from the device included); 0 alone.
    public var communicationSeconds = 0.0
    /// The gradients' part of it (`GradientReducer`); empty alone.
    public var gradientReduction = ReductionReport()
}

/// Training of a `LlamaModel` (its LoRA adapters, or every tensor in full-parameter mode) on
/// `TrainingData` (token windows or examples): seeded shuffling per epoch, gradient accumulation, global-norm clipping, AdamW
/// with a learning-rate schedule, held-out evaluation, and checkpoints (PEFT adapter or model
/// weights, + optimizer state) that resume bit for bit. Over several ranks (`communicator`),
/// `config.batch` is each rank's micro-batch: every step's global batch of batch × accumulation
/// × ranks sequences is split by `RankShard`, and the gradients, losses and token counts are
/// summed, so every rank takes the step one process would take with the whole batch; the
/// gradients a bucket at a time, overlapped with the last micro-batch's backward pass
/// (`GradientReducer`, `reduction`).
public final class Trainer {
    public let model: LlamaModel
    public let data: any TrainingData
    public let config: TrainingConfig
    public let communicator: any Communicator
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
    /// Sums the gradients over the ranks; nil for a single process, which never copies them.
    let reducer: GradientReducer?
    public let reduction: GradientReductionSettings

    public init(model: LlamaModel, data: any TrainingData, config: TrainingConfig, communicator: any Communicator = SingleProcess(),
                reduction: GradientReductionSettings = .init()) throws {
        try config.validate()
        parameters = model.trainableParameters
        guard !parameters.isEmpty else {
            throw TrainingError.invalidSetting("the model has nothing to train: no LoRA layers and not in full-parameter mode")
        }
        guard data.trainingItems >= config.batch * communicator.size else {
            throw TrainingError.invalidSetting("--batch \(config.batch)" + (communicator.size > 1 ? " × \(communicator.size) ranks" : "")
                                               + " exceeds the \(data.trainingItems) training sequences")
        }
        self.model = model
        self.data = data
        self.config = config
        self.communicator = communicator
        self.reduction = reduction
        reducer = communicator.size > 1 ? GradientReducer(stages: model.gradientStages, communicator: communicator, settings: reduction) : nil
        // The bucket size decides the collectives' sizes: ranks that differ in it would hang.
        try communicator.requireAgreement(on: "\(config), \(data.trainingItems) training items of \(data.sequenceLength) tokens, "
                                              + "\(parameters.reduce(0) { $0 + $1.gradient.count }) trainable floats, \(reduction)",
                                          what: "the training settings")
        moments = try parameters.map { parameter in
            (m: try model.device.makeBuffer(.float32, count: parameter.value.count, label: parameter.name + ".exp_avg"),
             v: try model.device.makeBuffer(.float32, count: parameter.value.count, label: parameter.name + ".exp_avg_sq"))
        }
        globalNorm = try GradientNorm(parameters: parameters, device: model.device)
    }

    /// Gradient floats summed over the ranks each step (4 bytes each); 0 alone.
    public var reducedFloats: Int { reducer?.plan.floatCount ?? 0 }

    /// The buckets they are summed in; 0 alone.
    public var reducedBuckets: Int { reducer?.plan.buckets.count ?? 0 }

    /// The shuffled item order of the current epoch, computed once per epoch.
    private var epochOrder: (epoch: Int, order: [Int])?

    /// This rank's micro-batches of the next step: the step's global batch of batch ×
    /// accumulation × ranks items continues the epoch's shuffled order, and this rank's share
    /// of it (`RankShard`) is cut into `accumulation` micro-batches of `batch`.
    private func nextBatches() throws -> [SequenceBatch] {
        var items: [Int] = []
        for _ in 0..<(config.batch * config.accumulation * communicator.size) {
            if epochOrder?.epoch != epoch { epochOrder = (epoch, SeededOrder.shuffled(count: data.trainingItems, epoch: epoch, seed: config.seed)) }
            let order = epochOrder!.order
            items.append(order[cursor])
            cursor += 1
            if cursor == order.count {
                cursor = 0
                epoch += 1
            }
        }
        let mine = RankShard(communicator).take(items)
        return try stride(from: 0, to: mine.count, by: config.batch).map { try data.batch(of: Array(mine[$0..<($0 + config.batch)])) }
    }

    /// One optimizer step over `accumulation` micro-batches. The loss is the mean over every
    /// predicted token of the step (transformers' `num_items_in_batch`), so micro-batches with
    /// more trained tokens weigh more, as one large batch would weigh them.
    public func runStep() throws -> StepReport {
        try model.zeroGradients()
        let batches = try nextBatches()
        let started = Date()
        var counts = [Double(batches.reduce(0) { $0 + $1.predictedTokens })]
        try communicator.allReduceSum(&counts)   // every rank normalizes by the global count
        let tokens = Int(counts[0])
        var communication = Date().timeIntervalSince(started)
        var lossSum = [0.0]
        // Decided by --seq-len, not each micro-batch's own length: padded examples make shorter
        // batches, and those must not run without checkpointing and need more memory than a full one.
        let checkpointing = config.checkpointing ?? (data.sequenceLength >= 512)
        for (micro, batch) in batches.enumerated() {
            // Each rank's masks differ; one process keeps the keys it always had.
            let dropoutStep = UInt32(truncatingIfNeeded: (step * config.accumulation + micro) * communicator.size + communicator.rank)
            // Only the last micro-batch finishes gradients: earlier ones' are partial sums.
            let last = micro == batches.count - 1
            if last { reducer?.begin() }
            let (loss, count) = try model.lossAndGradients(batch, step: dropoutStep, checkpointing: checkpointing, normalizer: tokens,
                                                           observer: last && reduction.overlap ? reducer : nil)
            lossSum[0] += loss * Double(count)
        }
        let gradients = try reducer?.finish() ?? ReductionReport()
        let reduced = Date()
        try communicator.allReduceSum(&lossSum)
        communication += gradients.seconds + Date().timeIntervalSince(reduced)
        var report = try update(loss: lossSum[0] / Double(max(1, tokens)), tokens: tokens)
        (report.communicationSeconds, report.gradientReduction) = (communication, gradients)
        return report
    }

    /// Clipping and AdamW on the step's summed gradients (alike on every rank), or the
    /// non-finite step's skip or error.
    private func update(loss: Double, tokens: Int) throws -> StepReport {
        // The gradients are already those of the step's mean loss.
        let device = model.device
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

    /// Mean loss over every predicted token of the held-out batches (nil when none are held out);
    /// over several ranks each evaluates its `RankShard` of the batches.
    public func evaluate() throws -> Double? {
        let batches = try data.heldOutBatches()
        guard !batches.isEmpty else { return nil }
        var sums = [0.0, 0.0]   // loss × tokens, tokens: over this rank's batches, then over all
        for batch in RankShard(communicator).take(batches) {
            let (loss, count) = try model.loss(batch)
            sums[0] += loss * Double(count)
            sums[1] += Double(count)
        }
        try communicator.allReduceSum(&sums)
        return sums[0] / max(1, sums[1])
    }
}
