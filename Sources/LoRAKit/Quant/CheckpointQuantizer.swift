import Foundation

/// Turns a Hugging Face float checkpoint (a folder with config.json and model.safetensors, or
/// shards listed in model.safetensors.index.json) into the bitsandbytes NF4 format that
/// transformers writes for `load_in_4bit`: every Linear weight of the decoder blocks becomes the
/// packed codes plus statistics (`BitsAndBytesCheckpoint`), everything else (embeddings, norms,
/// lm_head, biases) is copied unchanged, and config.json gains a `quantization_config`.
///
/// Which tensors are Linear weights: the 2-D `*.weight` tensors under `model.layers.`, i.e. the
/// q/k/v/o, gate/up/down projections of Llama, Mistral and Qwen2 (transformers quantizes every
/// nn.Linear except lm_head; in these architectures those are exactly the block projections).
public struct CheckpointQuantizer {
    public var blockSize = 64
    public var doubleQuantize = true

    public init(blockSize: Int = 64, doubleQuantize: Bool = true) {
        self.blockSize = blockSize
        self.doubleQuantize = doubleQuantize
    }

    public struct Report: Sendable {
        public var tensorBytesBefore = 0
        public var tensorBytesAfter = 0
        public var quantizedTensors = 0
        public var copiedTensors = 0
    }

    /// Whether a tensor of a decoder checkpoint is one that bitsandbytes quantizes.
    public static func isQuantizable(_ info: SafeTensorInfo) -> Bool {
        info.name.hasPrefix("model.layers.") && info.name.hasSuffix(".weight") && info.shape.count == 2
            && [.f32, .f16, .bf16].contains(info.dtype)
    }

    private static let floatPlaceholder = "__lorakit_float_6.0__"

    public func quantize(model: URL, output: URL) throws -> Report {
        try NF4Tensor.checkBlockSize(blockSize)
        let files = try Self.safetensorsFiles(in: model)
        let configURL = model.appendingPathComponent("config.json")
        guard let config = try? JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any] else {
            throw QuantizationError.unsupported("\(configURL.path) is missing or not a JSON object")
        }
        guard config["quantization_config"] == nil else {
            throw QuantizationError.unsupported("\(configURL.path) already has a quantization_config; the model is quantized")
        }
        if FileManager.default.fileExists(atPath: output.path),
           let contents = try? FileManager.default.contentsOfDirectory(atPath: output.path), !contents.isEmpty {
            throw QuantizationError.unsupported("output folder \(output.path) is not empty; refusing to overwrite")
        }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let report = try writeTensors(from: files, to: output)
        try writeConfig(config, to: output)
        try copyOtherFiles(from: model, to: output)
        return report
    }

    /// model.safetensors: the blocks' Linear weights as NF4, every other tensor as it was.
    /// Streamed, one tensor in memory at a time whatever the model's size, and in name order
    /// across all shards, so a sharded and a single-file model give the same file.
    private func writeTensors(from files: [URL], to output: URL) throws -> Report {
        var report = Report()
        let writer = try SafeTensorsStreamWriter(url: output.appendingPathComponent("model.safetensors"), metadata: ["format": "pt"])
        let sources = try files.flatMap { url in
            let checkpoint = try SafeTensorsFile(contentsOf: url)
            return checkpoint.tensors.map { (checkpoint: checkpoint, info: $0) }
        }.sorted { $0.info.name < $1.info.name }
        for (checkpoint, info) in sources {
            let bytes = try checkpoint.bytes(info.name)
            report.tensorBytesBefore += bytes.count
            if Self.isQuantizable(info) {
                let tensor = try NF4Codec.quantize(try checkpoint.floats(info.name), shape: info.shape, blockSize: blockSize,
                                                   doubleQuantize: doubleQuantize, originalDType: info.dtype)
                for part in try BitsAndBytesCheckpoint.tensors(for: tensor, name: info.name) {
                    report.tensorBytesAfter += part.bytes.count
                    try writer.add(part)
                }
                report.quantizedTensors += 1
            } else {
                report.tensorBytesAfter += bytes.count
                try writer.add(.init(name: info.name, dtype: info.dtype, shape: info.shape, bytes: bytes))
                report.copiedTensors += 1
            }
        }
        try writer.finish()
        return report
    }

    /// config.json with the quantization_config transformers' bitsandbytes support reads.
    private func writeConfig(_ source: [String: Any], to output: URL) throws {
        var config = source
        let computeDType = (config["torch_dtype"] ?? config["dtype"]) as? String ?? "float32"
        config["quantization_config"] = [
            "quant_method": "bitsandbytes", "load_in_4bit": true, "load_in_8bit": false,
            "_load_in_4bit": true, "_load_in_8bit": false,
            "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": doubleQuantize,
            "bnb_4bit_compute_dtype": computeDType, "bnb_4bit_quant_storage": "uint8",
            "llm_int8_threshold": Self.floatPlaceholder, "llm_int8_has_fp16_weight": false, "llm_int8_skip_modules": NSNull(),
            "llm_int8_enable_fp32_cpu_offload": false,
        ] as [String: Any]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        // JSONSerialization writes 6.0 as 6, and transformers rejects an integer llm_int8_threshold.
        let text = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"\(Self.floatPlaceholder)\"", with: "6.0")
        try Data(text.utf8).write(to: output.appendingPathComponent("config.json"), options: .atomic)
    }

    /// Tokenizer and generation files travel unchanged.
    private func copyOtherFiles(from model: URL, to output: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: model.path)
        where !name.hasSuffix(".safetensors") && name != "model.safetensors.index.json" && name != "config.json" {
            let source = model.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            try FileManager.default.copyItem(at: source, to: output.appendingPathComponent(name))
        }
    }

    /// model.safetensors, or the shards named by model.safetensors.index.json.
    static func safetensorsFiles(in model: URL) throws -> [URL] {
        let index = model.appendingPathComponent(SafeTensorsIndex.fileName)
        if FileManager.default.fileExists(atPath: index.path) {
            guard let data = try? Data(contentsOf: index) else {
                throw QuantizationError.unsupported("\(index.path) cannot be read")
            }
            return try SafeTensorsIndex.shardNames(data, path: index.path).map { model.appendingPathComponent($0) }
        }
        let single = model.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: single.path) else {
            throw QuantizationError.unsupported("\(model.path) has neither model.safetensors nor model.safetensors.index.json")
        }
        return [single]
    }
}
