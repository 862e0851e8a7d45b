/// A linear layer with a frozen base weight and a trainable low-rank adapter, in PEFT's layout:
///
///     Y = X·Wᵀ + bias + s·(drop(X)·Aᵀ)·Bᵀ
///
/// W is out×in (float32, float16 or bfloat16 storage, never trained; or NF4 or GGUF blocks), A is r×in, B is out×r, X is M×in for
/// M tokens, and s = alpha/r (alpha/√r with rsLoRA). Everything runs through the `Device`
/// protocol, so the same layer runs on the host and on every OpenCL device.
///
/// Forward (unmerged) is fused: T = drop(X)·Aᵀ, then `loraExpand` writes Y = bias + s·T·Bᵀ once,
/// then the base GEMM accumulates X·Wᵀ into Y. Only T (M×r) is kept for backward; the dropout
/// mask is regenerated from its key.
public final class LoRALinear {
    public let device: any Device
    public let inFeatures: Int
    public let outFeatures: Int
    public let config: LoRAConfig
    /// The frozen base weight, out×in: float32, float16 or bfloat16 (which `merge()` changes in place), NF4 or GGUF.
    public let base: FrozenWeight
    /// Where a 16-bit, NF4 or GGUF base is expanded to float32 for its GEMMs.
    public let scratch: DequantizationScratch
    public let bias: DeviceBuffer?
    /// r×in, float32, trainable.
    public let loraA: DeviceBuffer
    /// out×r, float32, trainable.
    public let loraB: DeviceBuffer
    /// Gradients of A and B, same shapes; `backward` writes or accumulates into them.
    public let gradA: DeviceBuffer
    public let gradB: DeviceBuffer
    /// The run's seed: with `stream` it keys A's initialisation and every dropout mask.
    public let seed: UInt64
    /// Distinguishes this layer's random streams from other layers' (e.g. its index in the model).
    public let stream: UInt32
    /// True between `merge()` and `unmerge()`: W then holds W + s·B·A and forward skips the adapter.
    public internal(set) var isMerged = false

    /// s in `Y = X·Wᵀ + b + s·(drop(X)·Aᵀ)·Bᵀ`.
    public var scale: Float { config.scale }
    public var rank: Int { config.rank }

    /// Wraps an existing frozen `weight` (out×in, float32, float16 or bfloat16) and optional `bias` (out)
    /// on `device`, and creates A (initialised per `config.initialization`, seeded by `seed` and
    /// `stream`), B (zeros) and their gradients (zeros).
    public convenience init(weight: DeviceBuffer, bias: DeviceBuffer? = nil, inFeatures: Int, outFeatures: Int,
                            config: LoRAConfig, seed: UInt64 = 0, stream: UInt32 = 0) throws {
        try self.init(base: .dense(weight), bias: bias, inFeatures: inFeatures, outFeatures: outFeatures,
                      config: config, seed: seed, stream: stream, scratch: nil)
    }

    /// QLoRA: the same layer over an NF4 base of shape [out, in]. Its GEMMs read the base from a
    /// dequantization scratch shared by every layer on the device (`DequantizationScratch.shared`).
    public convenience init(quantizedWeight: NF4Weight, bias: DeviceBuffer? = nil, config: LoRAConfig,
                            seed: UInt64 = 0, stream: UInt32 = 0, scratch: DequantizationScratch? = nil) throws {
        guard quantizedWeight.shape.count == 2 else {
            throw LoRAError.invalidInput("NF4 weight \(quantizedWeight.label) has shape \(quantizedWeight.shape), not [out, in]")
        }
        try self.init(base: .nf4(quantizedWeight), bias: bias, inFeatures: quantizedWeight.shape[1],
                      outFeatures: quantizedWeight.shape[0], config: config, seed: seed, stream: stream, scratch: scratch)
    }

    /// QLoRA over a GGUF base: the same layer over a llama.cpp-quantized weight of shape
    /// [out, in], kept packed on the device and dequantized into the shared scratch before each GEMM.
    public convenience init(ggufWeight: GGUFWeight, bias: DeviceBuffer? = nil, config: LoRAConfig,
                            seed: UInt64 = 0, stream: UInt32 = 0, scratch: DequantizationScratch? = nil) throws {
        guard ggufWeight.shape.count == 2 else {
            throw LoRAError.invalidInput("GGUF weight \(ggufWeight.label) has shape \(ggufWeight.shape), not [out, in]")
        }
        try self.init(base: .gguf(ggufWeight), bias: bias, inFeatures: ggufWeight.shape[1],
                      outFeatures: ggufWeight.shape[0], config: config, seed: seed, stream: stream, scratch: scratch)
    }

    /// The general form: any frozen base (dense, NF4 or GGUF) of out×in.
    public init(base: FrozenWeight, bias: DeviceBuffer? = nil, inFeatures: Int, outFeatures: Int,
                config: LoRAConfig, seed: UInt64 = 0, stream: UInt32 = 0, scratch: DequantizationScratch? = nil) throws {
        try config.validate()
        guard inFeatures >= 1, outFeatures >= 1 else {
            throw LoRAError.invalidInput("in (\(inFeatures)) and out (\(outFeatures)) features must be at least 1")
        }
        guard config.rank <= min(inFeatures, outFeatures) else {
            throw LoRAError.invalidConfiguration(
                "rank r = \(config.rank) exceeds min(in, out) = min(\(inFeatures), \(outFeatures)); a larger rank adds parameters but no expressiveness")
        }
        guard base.elementCount == outFeatures * inFeatures else {
            throw LoRAError.invalidInput("base weight '\(base.label)' has \(base.elementCount) elements, not out×in = \(outFeatures)×\(inFeatures)")
        }
        try base.checkStorage()
        let device = base.device
        if let bias {
            guard bias.device === device else {
                throw LoRAError.invalidInput("bias \(bias) lives on \(bias.device.info.identifier), the weight on \(device.info.identifier)")
            }
            guard bias.elementType == .float32, bias.count == outFeatures else {
                throw LoRAError.invalidInput("bias \(bias) must be float32 with out = \(outFeatures) elements")
            }
        }
        if let scratch, scratch.device !== device {
            throw LoRAError.invalidInput("the dequantization scratch lives on \(scratch.device.info.identifier), the weight on \(device.info.identifier)")
        }
        self.device = device
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.config = config
        self.base = base
        self.scratch = scratch ?? DequantizationScratch.shared(for: device)
        self.bias = bias
        self.seed = seed
        self.stream = stream
        let r = config.rank
        let name = base.label
        let initializer = ParameterInitializer(seed: seed, stream: stream)
        loraA = try device.makeBuffer(initializer.loraA(rank: r, inFeatures: inFeatures, initialization: config.initialization),
                                      label: "\(name).lora_A")
        loraB = try device.makeBuffer(.float32, count: outFeatures * r, label: "\(name).lora_B")
        gradA = try device.makeBuffer(.float32, count: r * inFeatures, label: "\(name).lora_A.grad")
        gradB = try device.makeBuffer(.float32, count: outFeatures * r, label: "\(name).lora_B.grad")
    }

    /// The dense base buffer, or nil for a quantized (NF4 or GGUF) base.
    public var weight: DeviceBuffer? {
        if case .dense(let buffer) = base { return buffer }
        return nil
    }

    /// The name used in buffer labels and errors.
    var name: String { base.label }

    /// The dropout mask key of optimizer step `step`.
    public func dropoutKey(step: UInt32) -> DropoutKey {
        DropoutKey(seed: seed, stream: stream, step: step)
    }

    /// Checks that `buffer` is a float32 rows×`columns` matrix on this layer's device.
    func checkMatrix(_ buffer: DeviceBuffer, _ name: String, rows: Int, columns: Int) throws {
        guard buffer.device === device else {
            throw LoRAError.invalidInput("\(name) \(buffer) lives on \(buffer.device.info.identifier), the layer on \(device.info.identifier)")
        }
        guard buffer.elementType == .float32 else {
            throw LoRAError.invalidInput("\(name) \(buffer) must be float32, not \(buffer.elementType)")
        }
        guard buffer.count == rows * columns else {
            throw LoRAError.invalidInput("\(name) \(buffer) has \(buffer.count) elements, not \(rows)×\(columns) = \(rows * columns)")
        }
    }

    /// `Y = X·Wᵀ + beta·Y` through the base, however it is stored (`FrozenWeight.multiply`).
    func baseProduct(_ x: DeviceBuffer, rows: Int, into y: DeviceBuffer, beta: Float) throws {
        try base.multiply(x, rows: rows, outFeatures: outFeatures, inFeatures: inFeatures, into: y, beta: beta, scratch: scratch)
    }
}
