import Foundation

/// The JSON kept next to a checkpoint's adapter: where the run stood.
struct TrainerState: Codable, Equatable {
    var step: Int
    var epoch: Int
    var cursor: Int
    var sequenceLength: Int
    /// The model's LoRA seed: dropout masks derive from it, so a resumed run needs the same one.
    var loraSeed: UInt64
    var config: TrainingConfig
    /// True for a full-parameter run (absent in checkpoints written before that mode existed).
    var fullParameter: Bool?
}

extension Trainer {
    static let stateFile = "trainer_state.json"
    static let optimizerFile = "optimizer.safetensors"

    /// The settings as one process would run them: `batch` is the global micro-batch (each
    /// rank's × ranks), so a checkpoint resumes under any rank count that keeps the global batch.
    var globalConfig: TrainingConfig {
        var global = config
        global.batch *= communicator.size
        return global
    }

    /// The current adapter in PEFT's format.
    public func adapter(baseModelNameOrPath: String? = nil) throws -> PEFTAdapter {
        guard let lora = model.lora else { throw TrainingError.invalidSetting("a full-parameter run has no adapter; save its weights") }
        var adapter = PEFTAdapter(config: lora, baseModelNameOrPath: baseModelNameOrPath)
        for (path, layer) in model.loraLayers { adapter.modules[path] = try layer.adapterModule() }
        return adapter
    }

    /// Writes the adapter (or, in full-parameter training, the model's weights), optimizer moments
    /// and run state into `folder`, atomically: everything goes
    /// into a sibling folder first, which then replaces `folder` by renames, so an interrupted
    /// save never damages the previous checkpoint (`CheckpointRecovery` finishes a replacement
    /// that a crash cut between its two renames).
    public func saveCheckpoint(to folder: URL, baseModelNameOrPath: String? = nil) throws {
        guard communicator.isRoot else { return }   // every rank holds the same adapter and moments
        let manager = FileManager.default
        CheckpointRecovery.recover(folder, stateFile: Self.stateFile)
        let parent = folder.deletingLastPathComponent()
        let partial = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: partial, withIntermediateDirectories: true)
            if model.fullParameter {
                try model.saveWeights(to: partial)
            } else {
                try adapter(baseModelNameOrPath: baseModelNameOrPath).save(to: partial)
            }
            var writer = SafeTensorsWriter(metadata: ["format": "lorakit-optimizer"])
            for (parameter, pair) in zip(parameters, moments) {
                try writer.add(.init(name: parameter.name + ".exp_avg", shape: [pair.m.count], floats: try pair.m.download()))
                try writer.add(.init(name: parameter.name + ".exp_avg_sq", shape: [pair.v.count], floats: try pair.v.download()))
            }
            try writer.write(to: partial.appendingPathComponent(Self.optimizerFile))
            let state = TrainerState(step: step, epoch: epoch, cursor: cursor, sequenceLength: data.sequenceLength, loraSeed: model.seed, config: globalConfig,
                                     fullParameter: model.fullParameter)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(state).write(to: partial.appendingPathComponent(Self.stateFile), options: .atomic)
            if manager.fileExists(atPath: folder.path) {
                let old = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(UUID().uuidString)")
                try manager.moveItem(at: folder, to: old)
                CheckpointRecovery.pauseForTests()
                try manager.moveItem(at: partial, to: folder)
                try manager.removeItem(at: old)
            } else {
                try manager.moveItem(at: partial, to: folder)
            }
        } catch {
            try? manager.removeItem(at: partial)
            throw TrainingError.checkpoint(file: folder.path, detail: "could not save the checkpoint: \(error)")
        }
    }

    /// Continues a run from a checkpoint written by `saveCheckpoint`: adapter or weights, moments, step,
    /// data position. The training settings must be the ones the run started with.
    public func resume(from folder: URL) throws {
        CheckpointRecovery.recover(folder, stateFile: Self.stateFile)
        let stateURL = folder.appendingPathComponent(Self.stateFile)
        guard let data = try? Data(contentsOf: stateURL), let state = try? JSONDecoder().decode(TrainerState.self, from: data) else {
            throw TrainingError.checkpoint(file: stateURL.path, detail: "missing or not a LoRAKit trainer state")
        }
        guard (state.fullParameter ?? false) == model.fullParameter else {
            throw TrainingError.checkpoint(file: stateURL.path, detail: state.fullParameter == true
                ? "the checkpoint is of a full-parameter run; resume it with full-parameter training"
                : "the checkpoint is of a LoRA run; resume it with LoRA, not full-parameter training")
        }
        guard state.config == globalConfig, state.sequenceLength == self.data.sequenceLength, state.loraSeed == model.seed else {
            throw TrainingError.checkpoint(file: stateURL.path,
                                           detail: "the checkpoint was written with other training settings (sequence length \(state.sequenceLength), LoRA seed \(state.loraSeed), \(state.config)); resume with the same flags (over N ranks, --batch × N is the checkpoint's batch)")
        }
        if model.fullParameter {
            try model.loadWeights(from: folder)
        } else {
            let adapter = try PEFTAdapter.load(from: folder)
            guard adapter.config.rank == model.lora?.rank, Set(adapter.modules.keys) == Set(model.loraLayers.map(\.path)) else {
                throw TrainingError.checkpoint(file: folder.path, detail: "the adapter's modules or rank differ from the model's LoRA layers")
            }
            try model.load(adapter, from: folder.path)
        }
        let optimizer = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(Self.optimizerFile))
        for (parameter, pair) in zip(parameters, moments) {
            let m = try optimizer.floats(parameter.name + ".exp_avg"), v = try optimizer.floats(parameter.name + ".exp_avg_sq")
            guard m.count == pair.m.count, v.count == pair.v.count else {
                throw TrainingError.checkpoint(file: optimizer.path, detail: "optimizer state of \(parameter.name) has the wrong size")
            }
            try pair.m.upload(m)
            try pair.v.upload(v)
        }
        step = state.step
        epoch = state.epoch
        cursor = state.cursor
    }
}
