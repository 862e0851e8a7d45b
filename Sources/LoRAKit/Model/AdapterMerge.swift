import Foundation

/// Folds a PEFT adapter into its base checkpoint for zero-overhead inference: every adapted
/// weight becomes W + s·B·A, computed in float32 on a device and stored in the base's dtype
/// (float16 for an NF4 base, since re-quantizing would round the adapter away). Everything else
/// is copied; the result is a plain Hugging Face checkpoint that transformers loads.
public enum AdapterMerge {
    public struct Report: Sendable {
        public var mergedModules = 0
        public var writtenTensors = 0
        public var dtype = ""
    }

    /// Merges into a model folder (writing one to `output`), or into a `.gguf` model (writing a
    /// GGUF file to `output`, `GGUFAdapterMerge`).
    public static func merge(model: URL, adapter adapterFolder: URL, output: URL, device: any Device) throws -> Report {
        let checkpoint = try ModelCheckpoint(folder: model)
        let adapter = try PEFTAdapter.load(from: adapterFolder)
        try checkpoint.config.validateTargets(adapter.config.targetModules)
        if checkpoint.gguf != nil { return try mergeIntoGGUF(checkpoint, adapter: adapter, output: output, device: device) }
        for path in adapter.modules.keys where !checkpoint.contains(path + ".weight") {
            throw ModelError.missingTensor(file: model.path, tensor: path + ".weight (adapted by \(adapterFolder.path))")
        }
        try createEmptyFolder(output)

        var report = Report()
        // Streamed: one tensor in memory at a time, whatever the model's size.
        let writer = try SafeTensorsStreamWriter(url: output.appendingPathComponent("model.safetensors"), metadata: ["format": "pt"])
        let nf4Base = checkpoint.config.isNF4Quantized
        for (name, shape) in checkpoint.config.expectedTensors {
            let path = String(name.dropLast(".weight".count))
            let quantized = checkpoint.isQuantized(name)
            guard quantized || adapter.modules[path] != nil else {
                let stored = try checkpoint.stored(name)
                try writer.add(.init(name: name, dtype: stored.dtype, shape: stored.shape, bytes: stored.bytes))
                report.writtenTensors += 1
                continue
            }
            var values = try checkpoint.floats(name)
            if let module = adapter.modules[path] {
                let layer = try LoRALinear(weight: device.makeBuffer(values, label: name), inFeatures: shape[1], outFeatures: shape[0],
                                           config: adapter.config)
                try layer.load(module)
                values = try layer.mergedWeight(as: .float32).download()
                report.mergedModules += 1
            }
            let dtype: SafeTensorsDType = quantized ? .f16 : try checkpoint.stored(name).dtype
            try writer.add(.init(name: name, dtype: dtype, shape: shape, bytes: encode(values, as: dtype)))
            report.writtenTensors += 1
        }
        try writer.finish()

        let configURL = model.appendingPathComponent("config.json")
        guard var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any] else {
            throw ModelError.invalidConfig(file: configURL.path, field: "(file)", detail: "is not a JSON object")
        }
        config["quantization_config"] = nil
        if nf4Base {
            config[config["torch_dtype"] != nil ? "torch_dtype" : "dtype"] = "float16"
        }
        report.dtype = nf4Base ? "float16 (NF4 base)" : ((config["torch_dtype"] ?? config["dtype"]) as? String ?? "as stored")
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: output.appendingPathComponent("config.json"), options: .atomic)
        for name in try FileManager.default.contentsOfDirectory(atPath: model.path)
        where !name.hasSuffix(".safetensors") && name != "model.safetensors.index.json" && name != "config.json" {
            var isDirectory: ObjCBool = false
            let source = model.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            try FileManager.default.copyItem(at: source, to: output.appendingPathComponent(name))
        }
        return report
    }

    /// A GGUF base merges into a new .gguf file (`GGUFAdapterMerge`).
    private static func mergeIntoGGUF(_ checkpoint: ModelCheckpoint, adapter: PEFTAdapter, output: URL, device: any Device) throws -> Report {
        guard output.pathExtension.lowercased() == "gguf", !FileManager.default.fileExists(atPath: output.path) else {
            throw ModelError.invalidConfig(file: output.path, field: "--out", detail: "merging a GGUF base writes a new .gguf file; name one that does not exist")
        }
        return try GGUFAdapterMerge.merge(base: checkpoint, adapter: adapter, output: output, device: device)
    }

    /// The output folder, created; one that exists must be empty (nothing the user has is overwritten).
    private static func createEmptyFolder(_ output: URL) throws {
        if FileManager.default.fileExists(atPath: output.path),
           let contents = try? FileManager.default.contentsOfDirectory(atPath: output.path), !contents.isEmpty {
            throw ModelError.invalidConfig(file: output.path, field: "--out", detail: "is not empty; refusing to overwrite")
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    }

    /// Little-endian bytes of `values` in `dtype` (F32, F16 or BF16, rounded to nearest even; BF16
    /// as PyTorch's `.to(torch.bfloat16)`, NaN as 0x7FC0).
    static func encode(_ values: [Float], as dtype: SafeTensorsDType) throws -> Data {
        switch dtype {
        case .f32:
            return values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .f16:
            return values.map { Float16($0) }.withUnsafeBufferPointer { Data(buffer: $0) }
        case .bf16:
            return values.map { BFloat16($0) }.withUnsafeBufferPointer { Data(buffer: $0) }
        default:
            throw ModelError.invalidConfig(file: "(merge)", field: "dtype", detail: "\(dtype.rawValue) weights cannot be merged")
        }
    }
}
