import Foundation
import LoRAKitGGUF

/// A Hugging Face checkpoint folder of the Llama family: config.json plus model.safetensors or
/// the shards of model.safetensors.index.json, memory-mapped; or a GGUF model file
/// (`GGUFCheckpoint`). Opening it checks that every tensor the configuration implies is present
/// exactly once with the implied shape (dense F32/F16/BF16, NF4 in bitsandbytes' layout for the
/// Linear weights of a quantized checkpoint, or a GGUF block format), and that nothing else is
/// there.
public final class ModelCheckpoint {
    /// The model folder, or the GGUF file.
    public let folder: URL
    public let config: ModelConfig
    private let fileOf: [String: SafeTensorsFile]
    /// Set for a GGUF model file.
    let gguf: GGUFCheckpoint?
    /// Set for a base made on the fly (`SyntheticCheckpoint`).
    let synthetic: SyntheticCheckpoint?

    /// Opens a model folder, or a `.gguf` file.
    public init(folder: URL) throws {
        self.folder = folder
        if folder.pathExtension.lowercased() == "gguf" {
            let gguf = try GGUFCheckpoint(url: folder)
            (self.gguf, config, fileOf, synthetic) = (gguf, gguf.config, [:], nil)
            return
        }
        (gguf, synthetic) = (nil, nil)
        config = try ModelConfig.load(from: folder)
        var fileOf: [String: SafeTensorsFile] = [:]
        for url in try CheckpointQuantizer.safetensorsFiles(in: folder) {
            let file = try SafeTensorsFile(contentsOf: url)
            for info in file.tensors {
                if let other = fileOf[info.name] {
                    throw ModelError.unexpectedTensor(file: url.path, tensor: "\(info.name) (also in \(other.path))")
                }
                fileOf[info.name] = file
            }
        }
        self.fileOf = fileOf

        var accounted = Set<String>()
        for (name, shape) in config.expectedTensors {
            guard let file = fileOf[name] else {
                throw ModelError.missingTensor(file: folder.appendingPathComponent("model.safetensors").path, tensor: name)
            }
            let actual: [Int]
            if BitsAndBytesCheckpoint.isQuantized(name, in: file) {
                actual = try BitsAndBytesCheckpoint.logicalShape(of: name, in: file)
                accounted.formUnion(file.tensors.map(\.name).filter { $0.hasPrefix(name + ".") })
            } else {
                let info = try file.info(name)
                guard [.f32, .f16, .bf16].contains(info.dtype) else {
                    throw ModelError.invalidConfig(file: file.path, field: name, detail: "dtype \(info.dtype.rawValue) is not F32, F16 or BF16")
                }
                actual = info.shape
            }
            guard actual == shape else { throw ModelError.tensorShape(file: file.path, tensor: name, expected: shape, actual: actual) }
            accounted.insert(name)
        }
        // Old Llama checkpoints store rotary inverse frequencies; they are recomputed, not read.
        for (name, file) in fileOf where !accounted.contains(name) && !name.hasSuffix("rotary_emb.inv_freq") {
            throw ModelError.unexpectedTensor(file: file.path, tensor: name)
        }
    }

    /// A QLoRA base of the synthetic checkpoint's shape, drawn tensor by tensor as the model loads.
    public init(synthetic: SyntheticCheckpoint) {
        folder = URL(fileURLWithPath: "/synthetic/\(synthetic.config.modelType)")
        (config, fileOf, gguf, self.synthetic) = (synthetic.config, [:], nil, synthetic)
    }

    public func contains(_ name: String) -> Bool {
        if let synthetic { return synthetic.shapes[name] != nil }
        return gguf?.contains(name) ?? (fileOf[name] != nil)
    }

    /// A byte-level model: vocabulary 256 and no tokenizer file, so every byte is one token (a
    /// GGUF file always carries its tokenizer).
    public var isByteLevel: Bool {
        gguf == nil && synthetic == nil && config.vocabularySize == 256
            && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("tokenizer.json").path)
    }

    /// The logical (rows, columns) of a 2-D tensor, from the quant state for NF4.
    public func shape(of name: String) throws -> (rows: Int, columns: Int) {
        if let synthetic, let shape = synthetic.shapes[name], shape.count == 2 { return (shape[0], shape[1]) }
        if let gguf {
            let shape = try gguf.tensor(name).rowMajorShape
            guard shape.count == 2 else { throw ModelError.tensorShape(file: gguf.path, tensor: name, expected: [-1, -1], actual: shape) }
            return (shape[0], shape[1])
        }
        guard let file = fileOf[name] else { throw ModelError.missingTensor(file: folder.path, tensor: name) }
        let shape = BitsAndBytesCheckpoint.isQuantized(name, in: file)
            ? try BitsAndBytesCheckpoint.logicalShape(of: name, in: file) : try file.info(name).shape
        guard shape.count == 2 else { throw ModelError.tensorShape(file: file.path, tensor: name, expected: [-1, -1], actual: shape) }
        return (shape[0], shape[1])
    }

    /// Whether `name` is stored as bitsandbytes NF4.
    public func isQuantized(_ name: String) -> Bool {
        if let synthetic { return synthetic.isQuantized(name) }
        return fileOf[name].map { BitsAndBytesCheckpoint.isQuantized(name, in: $0) } ?? false
    }

    /// Names of every tensor, including NF4 companions (absmax, quant_map, ...); a GGUF file's
    /// under their Hugging Face names.
    public var tensorNames: [String] {
        if synthetic != nil { return config.expectedTensors.map(\.name).sorted() }
        return gguf.map { gguf in config.expectedTensors.map(\.name).filter(gguf.contains).sorted() } ?? fileOf.keys.sorted()
    }

    /// The stored form of a dense tensor: dtype, shape and raw little-endian bytes (a GGUF
    /// block-quantized tensor as its dequantized float32 values).
    public func stored(_ name: String) throws -> (dtype: SafeTensorsDType, shape: [Int], bytes: Data) {
        if let synthetic { return try synthetic.stored(name) }
        if let gguf {
            let stored = try gguf.storedBytes(name)
            switch stored.type {
            case .f32: return (.f32, stored.shape, stored.bytes)
            case .f16: return (.f16, stored.shape, stored.bytes)
            case .bf16: return (.bf16, stored.shape, stored.bytes)
            default: return (.f32, stored.shape, try gguf.floats(name).withUnsafeBufferPointer { Data(buffer: $0) })
            }
        }
        guard let file = fileOf[name] else { throw ModelError.missingTensor(file: folder.path, tensor: name) }
        let info = try file.info(name)
        return (info.dtype, info.shape, try file.bytes(name))
    }

    /// The float32 values of tensor `name` (converted from F16/BF16, or dequantized from NF4).
    public func floats(_ name: String) throws -> [Float] {
        if let synthetic {
            if synthetic.isQuantized(name) { return NF4Codec.dequantize(try synthetic.nf4(name)) }
            let stored = try synthetic.stored(name)
            return stored.dtype == .f32 ? stored.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                : stored.bytes.withUnsafeBytes { $0.bindMemory(to: BFloat16.self).map(Float.init) }
        }
        if let gguf { return try gguf.floats(name) }
        guard let file = fileOf[name] else { throw ModelError.missingTensor(file: folder.path, tensor: name) }
        if BitsAndBytesCheckpoint.isQuantized(name, in: file) {
            return NF4Codec.dequantize(try BitsAndBytesCheckpoint.load(name, from: file))
        }
        return try file.floats(name)
    }

    /// A GGUF tensor stored in a block format (Q4_0 … Q6_K): its type, row-major shape and
    /// blocks with rows in transformers' order; nil for dense tensors and safetensors checkpoints.
    public func ggufBlocks(_ name: String) throws -> (type: GGMLType, shape: [Int], bytes: Data)? {
        guard let gguf, gguf.contains(name) else { return nil }
        let tensor = try gguf.tensor(name)
        guard ![.f32, .f16, .bf16].contains(tensor.type), tensor.rowMajorShape.count == 2 else { return nil }
        return try gguf.storedBytes(name)
    }

    /// The NF4 tensor `name` of a quantized checkpoint.
    public func nf4(_ name: String) throws -> NF4Tensor {
        if let synthetic { return try synthetic.nf4(name) }
        guard gguf == nil, let file = fileOf[name] else { throw ModelError.missingTensor(file: folder.path, tensor: name) }
        return try BitsAndBytesCheckpoint.load(name, from: file)
    }
}
