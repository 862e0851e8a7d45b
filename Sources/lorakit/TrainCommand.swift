import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit train`: LoRA or QLoRA fine-tuning of a Llama-family checkpoint.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune LoRA adapters on a Llama-family model (optionally over an NF4 base), or train every weight with --full.",
        discussion: """
            Writes the PEFT adapter (adapter_config.json, adapter_model.safetensors), metrics.csv, loss.svg and, with \
            --save-every, a resumable checkpoint folder into --out. With --full, every tensor is trained in float32 and \
            --out gets the model itself (config.json, model.safetensors) instead of an adapter; that is how the bundled \
            base was pretrained from `lorakit init`. --data is a .jsonl dataset (lines of {"text"}, {"prompt", \
            "completion"} or {"messages"}; README, Data), or a text (encoded whole with the model's tokenizer, bytes for a \
            byte-level model) or LoRAKit token file, cut into windows of --seq-len.
            """)

    @OptionGroup var model: ModelOption
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Held-out data in a separate file (same kinds as --data); --held-out is then ignored.") var evalData: String?
    @Flag(help: "Pack several .jsonl examples into each sequence of --seq-len (positions restart, no attention across examples).") var packing = false
    @Option(help: "Output folder.") var out: String
    @OptionGroup var quantization: QuantizeOption
    @Flag(help: "Full-parameter training: every tensor, float32, no LoRA (pretraining).") var full = false
    @OptionGroup var loraOptions: LoRAOptions
    @Option(help: "Peak learning rate.") var lr: Float = 2e-4
    @Option(help: "Optimizer steps.") var steps = 100
    @Option(help: "Sequences per micro-batch.") var batch = 1
    @Option(help: "Micro-batches per optimizer step.") var accum = 1
    @Option(help: "Tokens per sequence.") var seqLen = 128
    @Option(help: "Seed for adapter init, dropout and shuffling.") var seed: UInt64 = 0
    @Option(help: "AdamW beta1.") var adamBeta1: Float = 0.9
    @Option(help: "AdamW beta2.") var adamBeta2: Float = 0.999
    @Option(help: "AdamW epsilon.") var adamEps: Float = 1e-8
    @Option(help: "AdamW decoupled weight decay.") var weightDecay: Float = 0
    @Option(help: "Global gradient-norm clipping (0 disables).") var maxGradNorm: Float = 1
    @Option(help: "Linear warm-up steps.") var warmupSteps = 0
    @Option(help: "Learning-rate schedule after warm-up.") var lrScheduler: LearningRateSchedule.Kind = .linear
    @Option(help: "Fraction of the data held out for evaluation (windows of a text, examples of a .jsonl; ignored with --eval-data).") var heldOut = 0.1
    @Option(help: "Evaluate every N steps (0: at the start and the end only).") var evalEvery = 0
    @Option(help: "Save a resumable checkpoint every N steps (0: never).") var saveEvery = 0
    @Flag(help: "Continue from <out>/checkpoint.") var resume = false
    @Option(help: "Skip up to N steps whose loss or gradient is not finite (no update; marked in metrics.csv) instead of stopping.")
    var skipNonfinite = 0
    @OptionGroup var adapter: AdapterOption
    @OptionGroup var device: DeviceOption
    @Option(help: "Under mpirun: MiB of gradients per all-reduce bucket (PyTorch DDP's bucket_cap_mb).") var bucketMb = 25.0
    @Flag(help: "Under mpirun: sum the gradients after the backward pass, a bucket at a time, instead of during it (same sums).")
    var noOverlap = false
    @Flag(help: "Train even when the memory plan (lorakit plan) says the run will not fit the device.") var skipMemoryCheck = false

    func validate() throws {
        guard !full || (quantization.quantize == nil && adapter.adapter == nil) else {
            throw ValidationError("--full trains every weight in float32; it cannot be combined with --quantize or --adapter")
        }
        guard steps >= 1, batch >= 1, accum >= 1, seqLen >= 2 else {
            throw ValidationError("--steps, --batch and --accum must be at least 1, --seq-len at least 2")
        }
        guard (0..<1).contains(heldOut) else { throw ValidationError("--held-out must be at least 0 and below 1") }
        guard skipNonfinite >= 0 else { throw ValidationError("--skip-nonfinite must not be negative") }
        guard bucketMb.isFinite, bucketMb * 1_048_576 >= 4, bucketMb <= 1_048_576 else { throw ValidationError("--bucket-mb must be from one float (4 bytes) to 1 TiB") }
    }

    /// Alone, the run as it always was (MPI untouched). Under `mpirun`, every rank trains its
    /// share; rank 0 alone prints and writes, and a rank that fails ends them all with its error.
    func run() throws {
        let communicator = try Launch.communicator(environment: ProcessInfo.processInfo.environment)
        if communicator is SingleProcess { return try train(communicator) }   // errors as they always were
        if !communicator.isRoot { Self.silenceStandardOutput() }
        do {
            try train(communicator)
        } catch {
            communicator.abort("Error: \(error)")
        }
        communicator.finish()
    }

    /// Ranks other than 0 print nothing on stdout (their errors still reach stderr).
    private static func silenceStandardOutput() {
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 { dup2(null, STDOUT_FILENO) }
    }

    private func train(_ communicator: any Communicator) throws {
        let target = try device.open(localRank: communicator.localRank)
        let outURL = URL(fileURLWithPath: out)
        let checkpoint = try ModelCheckpoint(folder: model.url)
        let peft = try adapter.load()
        let lora = try loraOptions.config(continuing: peft?.config, source: adapter.adapter ?? "")
        let plan = try memoryPlan(checkpoint: checkpoint, lora: lora, device: target)
        let llama = try LlamaModel(checkpoint: checkpoint, device: target, lora: full ? nil : lora, seed: seed,
                                   quantizeToNF4: quantization.toNF4, fullParameter: full)
        if let peft, let source = adapter.adapter {
            try llama.load(peft, from: source)
        }
        var settings = DataSettings(sequenceLength: seqLen, heldOutFraction: heldOut)
        (settings.seed, settings.packing, settings.evaluationBatch) = (seed, packing, batch)
        let (trainingData, dataReport) = try dataOptions.load(model: checkpoint, settings: settings, evaluation: evalData)
        let reduction = reductionSettings()
        let trainer = try Trainer(model: llama, data: trainingData, config: trainingConfig(), communicator: communicator, reduction: reduction)
        trainer.skipNonFinite = skipNonfinite
        // Only now, with the model, data and optimizer state in memory: a run that cannot start
        // (a bad file, a model too large for the device) leaves no output folder behind.
        // Every rank has loaded: one that failed has aborted the run before any folder exists.
        try communicator.barrier()
        if communicator.isRoot { try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true) }
        var log = TrainingLog()
        guard try resumeIfAsked(trainer, log: &log, out: outURL) else { return }

        say("device \(target.info.identifier) (\(target.info.name)); \(checkpoint.config.modelType) \(checkpoint.config.layerCount) layers, "
              + "hidden \(checkpoint.config.hiddenSize)\(quantization.toNF4 || checkpoint.config.isNF4Quantized ? ", NF4 base" : ""); "
              + (full ? "full-parameter training of \(Self.millions(checkpoint.config.parameterCount)) parameters"
                      : "LoRA r=\(lora.rank) alpha=\(lora.alpha)\(lora.useRSLoRA ? " (rsLoRA)" : "") on \(lora.targetModules.joined(separator: ","))"))
        if !full { say("frozen base " + Self.storageSummary(llama.frozenBytes)) }
        say("data " + dataReport)
        if communicator.size > 1 {
            say("\(communicator.size) ranks, each --batch \(batch) × --accum \(accum): \(batch * accum * communicator.size) sequences a step; "
                + "\(trainer.reducedFloats) gradient floats all-reduced a step in \(trainer.reducedBuckets) "
                + (trainer.reducedBuckets == 1 ? "bucket" : "buckets") + " of up to "
                + "\(ByteCount.format(reduction.bucketBytes)), " + (noOverlap ? "after the backward pass" : "overlapped with the backward pass"))
        }
        let initial = try trainer.evaluate()
        if let initial { say(String(format: "held-out loss before training: %.4f", initial)) }
        if trainer.step == 0 { log.heldOutBeforeTraining = initial }
        let started = Date(), stepsBefore = trainer.step
        let (trainedTokens, communication) = try trainSteps(trainer, log: &log, out: outURL, memory: target)
        if communicator.isRoot {
            if full {
                try llama.saveWeights(to: outURL)
            } else {
                try trainer.adapter(baseModelNameOrPath: model.model).save(to: outURL)
            }
            try log.write(to: outURL)
        }
        let total = Date().timeIntervalSince(started)
        say(String(format: "done: %d steps, %d tokens in %@ (%.0f tok/s); held-out loss %@ → %@; peak device memory %@ (planned %@)",
                     steps - stepsBefore, trainedTokens, Self.duration(total), Double(trainedTokens) / max(total, 1e-9),
                     initial.map { String(format: "%.4f", $0) } ?? "n/a", log.rows.last?.heldOutLoss.map { String(format: "%.4f", $0) } ?? "n/a",
                     ByteCount.format(target.memoryUsage.peakBytes), ByteCount.format(plan.totalBytes)))
        if communicator.size > 1 { say(Self.communicationSummary(communication, of: total)) }
        if trainer.skippedSteps > 0 { say("skipped \(trainer.skippedSteps) steps whose loss or gradient was not finite (metrics.csv: skipped = 1)") }
        say("wrote \(out)/" + (full ? "config.json, model.safetensors" : "adapter_config.json, adapter_model.safetensors") + ", metrics.csv, loss.svg")
    }

    /// "1.2 GiB: bfloat16 1.1 GiB, float32 2.0 MiB", largest share first.
    static func storageSummary(_ bytes: [String: Int]) -> String {
        let parts = bytes.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.map { "\($0.key) \(ByteCount.format($0.value))" }
        return ByteCount.format(bytes.values.reduce(0, +)) + ": " + parts.joined(separator: ", ")
    }

    /// The options as the library's training configuration.
    private func trainingConfig() -> TrainingConfig {
        var config = TrainingConfig()
        (config.learningRate, config.steps, config.batch, config.accumulation, config.seed) = (lr, steps, batch, accum, seed)
        (config.beta1, config.beta2, config.epsilon, config.weightDecay) = (adamBeta1, adamBeta2, adamEps, weightDecay)
        (config.maxGradNorm, config.warmupSteps, config.scheduler, config.evaluateEvery) = (maxGradNorm, warmupSteps, lrScheduler, evalEvery)
        return config
    }

    /// How the gradients are summed under mpirun.
    private func reductionSettings() -> GradientReductionSettings {
        var reduction = GradientReductionSettings()
        (reduction.bucketBytes, reduction.overlap) = (Int(bucketMb * 1_048_576), !noOverlap)
        return reduction
    }

    /// With --resume, continues from <out>/checkpoint and keeps the metrics of the steps before
    /// it. Returns false when the checkpoint is already at the last step (nothing to train).
    private func resumeIfAsked(_ trainer: Trainer, log: inout TrainingLog, out outURL: URL) throws -> Bool {
        guard resume else { return true }
        let checkpointFolder = outURL.appendingPathComponent("checkpoint")
        try trainer.resume(from: checkpointFolder)
        log = TrainingLog(csv: (try? String(contentsOf: outURL.appendingPathComponent("metrics.csv"), encoding: .utf8)) ?? "",
                          through: trainer.step)
        guard trainer.step < steps else {
            say("the checkpoint in \(checkpointFolder.path) is already at step \(trainer.step) of \(steps); nothing to train")
            return false
        }
        say("resumed from \(checkpointFolder.path) at step \(trainer.step)")
        return true
    }

    /// Runs the remaining optimizer steps with progress lines, evaluations and checkpoints;
    /// returns the tokens trained (over all ranks) and each step's summing over the ranks.
    private func trainSteps(_ trainer: Trainer, log: inout TrainingLog, out outURL: URL, memory target: any Device)
        throws -> (Int, [StepCommunication]) {
        let checkpointFolder = outURL.appendingPathComponent("checkpoint")
        let started = Date(), stepsBefore = trainer.step
        var trainedTokens = 0, communication: [StepCommunication] = []
        // mpirun hands rank 0 a terminal even when its own output is piped to a file.
        let interactive = isatty(STDOUT_FILENO) != 0 && trainer.communicator.size == 1
        while trainer.step < steps {
            let stepStart = Date()
            let report = try trainer.runStep()
            trainedTokens += report.tokens
            communication.append(StepCommunication(total: report.communicationSeconds, gradients: report.gradientReduction))
            let perSecond = Double(report.tokens) / Date().timeIntervalSince(stepStart)
            let evaluate = report.step == steps || (evalEvery > 0 && report.step % evalEvery == 0)
            let heldOutLoss = evaluate ? try trainer.evaluate() : nil
            log.append(.init(step: report.step, loss: report.loss, learningRate: report.learningRate, gradientNorm: report.gradientNorm,
                             tokensPerSecond: perSecond, heldOutLoss: heldOutLoss, skipped: report.skipped))
            let remaining = Date().timeIntervalSince(started) / Double(report.step - stepsBefore) * Double(steps - report.step)
            let line = String(format: "step %d/%d | loss %.4f | lr %.2e | %.0f tok/s | mem %@ | ETA %@%@",
                              report.step, steps, report.loss, report.learningRate, perSecond,
                              ByteCount.format(target.memoryUsage.currentBytes), Self.duration(remaining),
                              (heldOutLoss.map { String(format: " | held-out %.4f", $0) } ?? "") + (report.skipped ? " | skipped: not finite" : ""))
            // A live line on a terminal (carriage return), one line per step when piped to a file.
            let text = interactive && !evaluate ? "\r" + line : (interactive ? "\r" : "") + line + "\n"
            FileHandle.standardOutput.write(Data(text.utf8))
            if saveEvery > 0, report.step % saveEvery == 0 { try trainer.saveCheckpoint(to: checkpointFolder, baseModelNameOrPath: model.model) }
        }
        return (trainedTokens, communication)
    }

    /// Unbuffered, so the live progress line and the other lines stay in order.
    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func millions(_ count: Int) -> String { String(format: "%.2f M", Double(count) / 1e6) }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
