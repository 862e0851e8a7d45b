import Foundation

/// Every tensor of a model as `LlamaModel` would load it onto a device, given how each is
/// stored: one dtype for a built-in shape, or a checkpoint's own dtypes, NF4 states and GGUF
/// block formats, read from its headers.
struct PlannedWeights {
    let config: ModelConfig
    let fullParameter: Bool
    let tensors: [String: PlannedTensor]

    /// Places each tensor of `config` given how it is stored (`stored`, by name), by the rules of
    /// `CheckpointTensors`: norms and biases float32; the embedding frozen-dense; Linear weights
    /// NF4 or GGUF as stored, NF4 when quantized on load (the blocks' weights only), else
    /// frozen-dense; all float32 in full-parameter training.
    init(config: ModelConfig, stored: [String: StoredTensor], quantizeToNF4: Bool, fullParameter: Bool) {
        self.config = config
        self.fullParameter = fullParameter
        var tensors: [String: PlannedTensor] = [:]
        for (name, shape) in config.expectedTensors {
            let elements = shape.reduce(1, *)
            let form = stored[name] ?? .dense(.f32)
            func frozenDense() -> PlannedTensor {
                guard case .dense(let dtype) = form else { return .dense(.float32, elements: elements) }
                return .dense(PlannedTensor.frozenDenseType(dtype, fullParameter: fullParameter), elements: elements)
            }
            defer { tensors[name]?.columns = shape.last ?? 1 }
            if shape.count == 1 {
                tensors[name] = .dense(.float32, elements: elements)
            } else if name == "model.embed_tokens.weight" || fullParameter {
                tensors[name] = frozenDense()
            } else if case let .nf4(packed, absmax, scales, map) = form {
                tensors[name] = .storedNF4(elements: elements, packed: packed, absmax: absmax, nestedScales: scales, nestedMap: map)
            } else if case .gguf(let type, let bytes) = form, !quantizeToNF4 {
                tensors[name] = PlannedTensor(storage: .gguf(type), elements: elements, deviceBytes: bytes, absmaxTransient: 0)
            } else if quantizeToNF4, name.hasPrefix("model.layers.") {
                tensors[name] = .quantizedOnLoad(elements: elements)
            } else {
                tensors[name] = frozenDense()
            }
        }
        self.tensors = tensors
    }

    /// Every tensor of `config` stored as `dtype` (F32, F16 or BF16), as a built-in shape is.
    static func storedForms(of config: ModelConfig, dtype: SafeTensorsDType) -> [String: StoredTensor] {
        Dictionary(uniqueKeysWithValues: config.expectedTensors.map { ($0.name, StoredTensor.dense(dtype)) })
    }

    /// How `checkpoint`'s files store each tensor (headers only; no tensor data is read).
    static func storedForms(of checkpoint: ModelCheckpoint) throws -> [String: StoredTensor] {
        var forms: [String: StoredTensor] = [:]
        for (name, _) in checkpoint.config.expectedTensors { forms[name] = try stored(name, in: checkpoint) }
        return forms
    }

    private static func stored(_ name: String, in checkpoint: ModelCheckpoint) throws -> StoredTensor {
        func count(_ tensor: String) throws -> Int { try checkpoint.stored(tensor).shape.reduce(1, *) }
        if let synthetic = checkpoint.synthetic { return stored(name, in: synthetic) }
        if let gguf = checkpoint.gguf {
            let tensor = try gguf.tensor(name)
            switch tensor.type {
            case .f32: return .dense(.f32)
            case .f16: return .dense(.f16)
            case .bf16: return .dense(.bf16)
            default: return .gguf(tensor.type, bytes: tensor.byteCount)
            }
        }
        if checkpoint.isQuantized(name) {
            let nested = checkpoint.contains(name + ".nested_absmax")
            return .nf4(packed: try count(name), absmax: try count(name + ".absmax"),
                        nestedScales: nested ? try count(name + ".nested_absmax") : nil,
                        nestedMap: nested ? try count(name + ".nested_quant_map") : nil)
        }
        return .dense(try checkpoint.stored(name).dtype)
    }

    /// A synthetic base's forms, without drawing its tensors: NF4 with double-quantized absmax
    /// for the blocks' matrices, BF16 for the embedding and head, float32 vectors.
    private static func stored(_ name: String, in synthetic: SyntheticCheckpoint) -> StoredTensor {
        let elements = synthetic.shapes[name]?.reduce(1, *) ?? 0
        guard synthetic.isQuantized(name) else { return .dense(synthetic.shapes[name]?.count == 1 ? .f32 : .bf16) }
        let blocks = (elements + synthetic.blockSize - 1) / synthetic.blockSize
        return .nf4(packed: (elements + 1) / 2, absmax: blocks, nestedScales: (blocks + 255) / 256, nestedMap: 256)
    }

    subscript(name: String) -> PlannedTensor { tensors[name]! }

    /// The weight of a block's Linear module.
    func weight(layer: Int, module: String) -> PlannedTensor { self[ModelConfig.modulePath(layer: layer, module: module) + ".weight"] }

    /// The LM head's weight: its own, or the embedding when tied.
    var head: PlannedTensor { config.tieWordEmbeddings ? self["model.embed_tokens.weight"] : self["lm_head.weight"] }

    /// The part a tensor's bytes count in.
    static func part(of name: String) -> MemoryPart {
        if name == "model.embed_tokens.weight" { return .baseEmbedding }
        if name == "lm_head.weight" { return .baseLMHead }
        return name.hasSuffix("_proj.weight") ? .baseBlocks : .baseOther
    }

    /// Float32 elements of the dequantization scratch: it grows to the most that one GEMM over
    /// a block's Linear weight or the LM head expands or widens into it.
    var scratchElements: Int {
        let multiplied = [head] + tensors.filter { $0.key.hasSuffix("_proj.weight") }.map(\.value)
        return multiplied.map { $0.scratchElements(widenBlockElements: Self.widenBlockElements) }.max() ?? 0
    }

    /// `DequantizationScratch.widenBlockElements`' default.
    static let widenBlockElements = 1 << 24

    /// The storage names of the block matrices, e.g. "NF4 (double-quantized absmax)" or "float16".
    func storageNames(_ part: MemoryPart) -> String {
        let names = Set(tensors.filter { Self.part(of: $0.key) == part }.map(\.value.storageName))
        return names.sorted().joined(separator: ", ")
    }
}
