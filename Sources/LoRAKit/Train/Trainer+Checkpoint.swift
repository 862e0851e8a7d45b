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
}

extension Trainer {
    static let stateFile = "trainer_state.json"
    static let optimizerFile = "optimizer.safetensors"

    /// Names of the AdamW moments in optimizer.safetensors, in `moments` order (A then B per layer).
    private var momentNames: [String] {
        model.loraLayers.flatMap { [$0.path + ".lora_A", $0.path + ".lora_B"] }
    }

    /// The current adapter in PEFT's format.
    public func adapter(baseModelNameOrPath: String? = nil) throws -> PEFTAdapter {
        var adapter = PEFTAdapter(config: model.lora!, baseModelNameOrPath: baseModelNameOrPath)
        for (path, layer) in model.loraLayers { adapter.modules[path] = try layer.adapterModule() }
        return adapter
    }

    /// Writes adapter, optimizer moments and run state into `folder`, atomically: everything goes
    /// into a sibling folder first, which then replaces `folder` by renames, so an interrupted
    /// save never damages the previous checkpoint.
    public func saveCheckpoint(to folder: URL, baseModelNameOrPath: String? = nil) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let partial = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: partial, withIntermediateDirectories: true)
            try adapter(baseModelNameOrPath: baseModelNameOrPath).save(to: partial)
            var writer = SafeTensorsWriter(metadata: ["format": "lorakit-optimizer"])
            for (path, pair) in zip(momentNames, moments) {
                try writer.add(.init(name: path + ".exp_avg", shape: [pair.m.count], floats: try pair.m.download()))
                try writer.add(.init(name: path + ".exp_avg_sq", shape: [pair.v.count], floats: try pair.v.download()))
            }
            try writer.write(to: partial.appendingPathComponent(Self.optimizerFile))
            let state = TrainerState(step: step, epoch: epoch, cursor: cursor, sequenceLength: data.length, loraSeed: model.seed, config: config)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(state).write(to: partial.appendingPathComponent(Self.stateFile), options: .atomic)
            if manager.fileExists(atPath: folder.path) {
                let old = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(UUID().uuidString)")
                try manager.moveItem(at: folder, to: old)
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

    /// Continues a run from a checkpoint written by `saveCheckpoint`: adapter, moments, step,
    /// data position. The training settings must be the ones the run started with.
    public func resume(from folder: URL) throws {
        let stateURL = folder.appendingPathComponent(Self.stateFile)
        guard let data = try? Data(contentsOf: stateURL), let state = try? JSONDecoder().decode(TrainerState.self, from: data) else {
            throw TrainingError.checkpoint(file: stateURL.path, detail: "missing or not a LoRAKit trainer state")
        }
        guard state.config == config, state.sequenceLength == self.data.length, state.loraSeed == model.seed else {
            throw TrainingError.checkpoint(file: stateURL.path,
                                           detail: "the checkpoint was written with other training settings (sequence length \(state.sequenceLength), LoRA seed \(state.loraSeed), \(state.config)); resume with the same flags")
        }
        let adapter = try PEFTAdapter.load(from: folder)
        guard adapter.config.rank == model.lora?.rank, Set(adapter.modules.keys) == Set(model.loraLayers.map(\.path)) else {
            throw TrainingError.checkpoint(file: folder.path, detail: "the adapter's modules or rank differ from the model's LoRA layers")
        }
        try model.load(adapter, from: folder.path)
        let optimizer = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(Self.optimizerFile))
        for (path, pair) in zip(momentNames, moments) {
            let m = try optimizer.floats(path + ".exp_avg"), v = try optimizer.floats(path + ".exp_avg_sq")
            guard m.count == pair.m.count, v.count == pair.v.count else {
                throw TrainingError.checkpoint(file: optimizer.path, detail: "optimizer state of \(path) has the wrong size")
            }
            try pair.m.upload(m)
            try pair.v.upload(v)
        }
        step = state.step
        epoch = state.epoch
        cursor = state.cursor
    }
}
