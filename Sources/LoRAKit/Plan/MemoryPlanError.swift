/// Why a memory plan cannot be made, or why a run does not fit; each names the setting and the reason.
public enum MemoryPlanError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidSetting(field: String, detail: String)
    case unknownShape(name: String, available: [String])
    case invalidBudget(text: String, detail: String)
    case doesNotFit(MemoryShortfall)

    public var description: String {
        switch self {
        case let .invalidSetting(field, detail): return "\(field): \(detail)"
        case let .unknownShape(name, available):
            return "--shape: no built-in shape is called '\(name)'; the shapes are \(available.joined(separator: ", "))"
        case let .invalidBudget(text, detail): return "--budget '\(text)': \(detail)"
        case .doesNotFit(let shortfall): return shortfall.description
        }
    }
}

extension MemoryPlan.Settings {
    /// The largest sequence and micro-batch a plan accepts; beyond them byte counts could overflow.
    static let maximumSequenceLength = 1 << 20
    static let maximumTokens = 1 << 24

    /// Refuses what `Trainer` and `LlamaModel` would refuse, before anything is planned.
    func validate(for config: ModelConfig, stored: [String: StoredTensor]) throws {
        func fail(_ field: String, _ detail: String) -> MemoryPlanError { .invalidSetting(field: field, detail: detail) }
        guard (1...Self.maximumSequenceLength).contains(sequenceLength) else {
            throw fail("--seq-len", "\(sequenceLength) must be from 1 to \(Self.maximumSequenceLength)")
        }
        guard batch >= 1, batch <= Self.maximumTokens / sequenceLength else {
            throw fail("--batch", "\(batch) must be at least 1, with --batch × --seq-len at most \(Self.maximumTokens) tokens")
        }
        guard let lora else {
            let packed = stored.values.contains { if case .nf4 = $0 { return true } else { return false } }
            guard !quantizeToNF4, !packed else {
                throw fail("--quantize", "full-parameter training needs float weights; NF4 weights can only be frozen (train LoRA over them instead)")
            }
            return
        }
        try lora.validate()
        try config.validateTargets(lora.targetModules)
        guard !lora.targetModules.isEmpty else { throw fail("--targets", "names no module, so nothing would be trained") }
        for module in lora.targetModules {
            let shape = config.expectedTensors.first { $0.name == ModelConfig.modulePath(layer: 0, module: module) + ".weight" }!.shape
            guard lora.rank <= shape.min()! else {
                throw fail("--r", "\(lora.rank) exceeds min(in, out) = \(shape.min()!) of \(module)")
            }
        }
    }
}
