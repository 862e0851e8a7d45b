import ArgumentParser
import LoRAKit

/// `--r`, `--alpha`, `--dropout`, `--rslora`, `--targets`: the adapter to train. Continuing an
/// `--adapter`, they default to that adapter's values, and one given explicitly must agree with it.
struct LoRAOptions: ParsableArguments {
    static let defaults = LoRAConfig(rank: 16, alpha: 32, dropout: 0.05, targetModules: ["q_proj", "k_proj", "v_proj", "o_proj"])

    @Option(help: "LoRA rank (default 16, or the --adapter's).") var r: Int?
    @Option(help: "LoRA alpha (default 32, or the --adapter's).") var alpha: Float?
    @Option(help: "LoRA dropout (default 0.05, or the --adapter's).") var dropout: Float?
    @Flag(help: "Scale by alpha/sqrt(r) (rsLoRA; default off, or the --adapter's).") var rslora = false
    @Option(help: "Comma-separated target modules (default q_proj,k_proj,v_proj,o_proj, or the --adapter's).") var targets: String?

    func validate() throws {
        guard (r ?? 1) >= 1 else { throw ValidationError("--r must be at least 1") }
        guard (0..<1).contains(dropout ?? 0) else { throw ValidationError("--dropout must be at least 0 and below 1") }
    }

    var targetModules: [String]? {
        targets?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    /// The configuration to train: the options over the defaults, or over `adapter` (read from
    /// `source`), which an explicit option may not contradict.
    func config(continuing adapter: LoRAConfig?, source: String) throws -> LoRAConfig {
        guard let adapter else {
            return LoRAConfig(rank: r ?? Self.defaults.rank, alpha: alpha ?? Self.defaults.alpha, dropout: dropout ?? Self.defaults.dropout,
                              useRSLoRA: rslora, targetModules: targetModules ?? Self.defaults.targetModules)
        }
        func contradiction(_ flag: String, _ given: String, _ theirs: String) -> ValidationError {
            ValidationError("\(flag) \(given) contradicts the adapter being continued (\(source)/adapter_config.json has \(theirs)); leave it out to use the adapter's")
        }
        if let r, r != adapter.rank { throw contradiction("--r", "\(r)", "r \(adapter.rank)") }
        if let alpha, alpha != adapter.alpha { throw contradiction("--alpha", "\(alpha)", "lora_alpha \(adapter.alpha)") }
        if let dropout, dropout != adapter.dropout { throw contradiction("--dropout", "\(dropout)", "lora_dropout \(adapter.dropout)") }
        if rslora, !adapter.useRSLoRA { throw contradiction("--rslora", "", "use_rslora false") }
        if let targetModules, Set(targetModules) != Set(adapter.targetModules) {
            throw contradiction("--targets", targetModules.joined(separator: ","), "target_modules \(adapter.targetModules.sorted().joined(separator: ","))")
        }
        return adapter
    }
}
