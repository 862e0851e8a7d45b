import Foundation

/// The hyper-parameters of a LoRA adapter, with PEFT's meaning and defaults (`LoraConfig`):
/// rank r, lora_alpha, lora_dropout, use_rslora, the initialisation of A and the names of the
/// modules to adapt.
public struct LoRAConfig: Sendable, Equatable, Codable {
    /// The rank r of A (r×in) and B (out×r).
    public var rank: Int
    /// lora_alpha: the update is scaled by alpha/r (alpha/√r with rsLoRA).
    public var alpha: Float
    /// lora_dropout: probability of zeroing an input element of the LoRA branch while training.
    public var dropout: Float
    /// use_rslora: scale by alpha/√r, which keeps the update's size stable as r grows.
    public var useRSLoRA: Bool
    public var initialization: LoRAInitialization
    /// Module names to adapt, e.g. `q_proj`, `v_proj` (see `LoRAConfig.llamaModules`).
    public var targetModules: [String]

    /// The linear layers of a Llama-family decoder block, as named in Hugging Face checkpoints.
    public static let llamaModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    public init(rank: Int = 8, alpha: Float = 8, dropout: Float = 0, useRSLoRA: Bool = false,
                initialization: LoRAInitialization = .kaimingUniform, targetModules: [String] = ["q_proj", "v_proj"]) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.useRSLoRA = useRSLoRA
        self.initialization = initialization
        self.targetModules = targetModules
    }

    /// The factor s of `Y = X·Wᵀ + s·(drop(X)·Aᵀ)·Bᵀ`.
    public var scale: Float {
        useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank)
    }

    /// Throws `LoRAError.invalidConfiguration` for a rank below 1, a non-finite alpha or a
    /// dropout probability outside [0, 1).
    public func validate() throws {
        guard rank >= 1 else { throw LoRAError.invalidConfiguration("rank r must be at least 1, got \(rank)") }
        guard alpha.isFinite else { throw LoRAError.invalidConfiguration("alpha must be finite, got \(alpha)") }
        guard dropout >= 0, dropout < 1 else {
            throw LoRAError.invalidConfiguration("dropout must be in [0, 1), got \(dropout)")
        }
    }
}

/// How A is initialised; B always starts at zero, so a fresh adapter leaves the base unchanged.
public enum LoRAInitialization: String, Sendable, Equatable, Codable {
    /// PEFT's default (`init_lora_weights=True`): Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in).
    case kaimingUniform
    /// PEFT's `init_lora_weights="gaussian"`: N(0, (1/r)²).
    case gaussian
}
