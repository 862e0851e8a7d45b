import Foundation

/// A LoRA adapter in PEFT's on-disk format: `adapter_config.json` plus
/// `adapter_model.safetensors` with keys `base_model.model.<module>.lora_A.weight` (r×in) and
/// `…lora_B.weight` (out×r). PEFT, vLLM and llama.cpp's converter read this format.
public struct PEFTAdapter: Sendable, Equatable {
    /// The A and B matrices of one adapted module, row-major float32.
    public struct Module: Sendable, Equatable {
        public var a: [Float]
        public var b: [Float]
        public var inFeatures: Int
        public var outFeatures: Int

        public init(a: [Float], b: [Float], inFeatures: Int, outFeatures: Int) {
            self.a = a
            self.b = b
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
        }
    }

    public var config: LoRAConfig
    public var baseModelNameOrPath: String?
    /// Keyed by module path as in the base checkpoint, e.g. `model.layers.0.self_attn.q_proj`.
    public var modules: [String: Module]

    public init(config: LoRAConfig, baseModelNameOrPath: String? = nil, modules: [String: Module] = [:]) {
        self.config = config
        self.baseModelNameOrPath = baseModelNameOrPath
        self.modules = modules
    }

    static let keyPrefix = "base_model.model."
    static let configFile = "adapter_config.json"
    static let weightsFile = "adapter_model.safetensors"

    /// Reads and validates an adapter folder. Features LoRAKit does not implement (DoRA,
    /// per-module ranks or alphas, LoRA biases, modules_to_save, fan_in_fan_out) are errors,
    /// not silently ignored.
    public static func load(from folder: URL) throws -> PEFTAdapter {
        let configURL = folder.appendingPathComponent(configFile)
        let data: Data
        do { data = try Data(contentsOf: configURL) } catch {
            throw PEFTAdapterError.unreadable(file: configURL.path, reason: error.localizedDescription)
        }
        let (config, baseModel) = try parseConfig(data, file: configURL.path)

        let weightsURL = folder.appendingPathComponent(weightsFile)
        let file = try SafeTensorsFile(contentsOf: weightsURL)
        var pairs: [String: (a: SafeTensorInfo?, b: SafeTensorInfo?)] = [:]
        for info in file.tensors {
            guard info.name.hasPrefix(keyPrefix) else {
                throw PEFTAdapterError.invalid(file: weightsURL.path, detail: "tensor '\(info.name)' does not start with '\(keyPrefix)'")
            }
            let key = info.name.dropFirst(keyPrefix.count)
            if key.hasSuffix(".lora_A.weight") {
                pairs[String(key.dropLast(".lora_A.weight".count)), default: (nil, nil)].a = info
            } else if key.hasSuffix(".lora_B.weight") {
                pairs[String(key.dropLast(".lora_B.weight".count)), default: (nil, nil)].b = info
            } else {
                throw PEFTAdapterError.unsupported(file: weightsURL.path, detail: "tensor '\(info.name)' is neither lora_A nor lora_B (DoRA magnitudes, LoRA biases and saved modules are not supported)")
            }
        }
        guard !pairs.isEmpty else { throw PEFTAdapterError.invalid(file: weightsURL.path, detail: "no LoRA tensors") }
        var modules: [String: Module] = [:]
        for (path, pair) in pairs {
            guard let a = pair.a, let b = pair.b else {
                let (present, absent) = pair.a == nil ? ("B", "A") : ("A", "B")
                throw PEFTAdapterError.invalid(file: weightsURL.path, detail: "module '\(path)' has lora_\(present) but not lora_\(absent)")
            }
            guard a.shape.count == 2, b.shape.count == 2, a.shape[0] == config.rank, b.shape[1] == config.rank else {
                throw PEFTAdapterError.invalid(file: weightsURL.path,
                                               detail: "module '\(path)': lora_A \(a.shape) and lora_B \(b.shape) do not fit r = \(config.rank) (expected [r, in] and [out, r])")
            }
            modules[path] = Module(a: try file.floats(a.name), b: try file.floats(b.name), inFeatures: a.shape[1], outFeatures: b.shape[0])
        }
        return PEFTAdapter(config: config, baseModelNameOrPath: baseModel, modules: modules)
    }

    /// Parses the bytes of an adapter_config.json into the LoRA settings and the base model's name.
    public static func parseConfig(_ data: Data, file: String) throws -> (config: LoRAConfig, baseModelNameOrPath: String?) {
        let fields: PEFTConfigFields
        do { fields = try JSONDecoder().decode(PEFTConfigFields.self, from: data) } catch {
            throw PEFTAdapterError.invalid(file: file, detail: "not a PEFT adapter config (\(error))")
        }
        return (try fields.loraConfig(file: file), fields.baseModelNameOrPath)
    }

    /// Writes both files atomically into `folder` (created if needed), F32 tensors, the config
    /// with sorted keys as PEFT writes it.
    public func save(to folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PEFTAdapterError.unreadable(file: folder.path, reason: error.localizedDescription)
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (path, module) in modules {
            guard module.a.count == config.rank * module.inFeatures, module.b.count == module.outFeatures * config.rank else {
                throw PEFTAdapterError.invalid(file: folder.path, detail: "module '\(path)' has A or B of the wrong size for r = \(config.rank)")
            }
            try writer.add(.init(name: "\(Self.keyPrefix)\(path).lora_A.weight", shape: [config.rank, module.inFeatures], floats: module.a))
            try writer.add(.init(name: "\(Self.keyPrefix)\(path).lora_B.weight", shape: [module.outFeatures, config.rank], floats: module.b))
        }
        try writer.write(to: folder.appendingPathComponent(Self.weightsFile))
        let json = try JSONSerialization.data(withJSONObject: PEFTConfigFields.dictionary(for: self), options: [.prettyPrinted, .sortedKeys])
        do {
            try json.write(to: folder.appendingPathComponent(Self.configFile), options: .atomic)
        } catch {
            throw PEFTAdapterError.unreadable(file: folder.appendingPathComponent(Self.configFile).path, reason: error.localizedDescription)
        }
    }
}

public enum PEFTAdapterError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(file: String, reason: String)
    case invalid(file: String, detail: String)
    case unsupported(file: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): \(reason)"
        case let .invalid(file, detail): return "\(file): invalid PEFT adapter: \(detail)"
        case let .unsupported(file, detail): return "\(file): unsupported PEFT adapter feature: \(detail)"
        }
    }
}
