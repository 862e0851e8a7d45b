import Foundation

/// Saving and reloading the weights of a full-parameter model, as a Hugging Face checkpoint.
extension LlamaModel {
    /// Writes `config.json` (the source checkpoint's, with dtype float32) and a float32
    /// `model.safetensors` holding every tensor under its Hugging Face name, each file atomically.
    /// The result loads in LoRAKit and in transformers.
    public func saveWeights(to folder: URL) throws {
        guard fullParameter else {
            throw LoRAError.invalidState("only a full-parameter model saves its weights; a LoRA model saves its adapter")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        let shapes = Dictionary(uniqueKeysWithValues: config.expectedTensors.map { ($0.name, $0.shape) })
        for parameter in trainableParameters {
            guard let shape = shapes[parameter.name] else {
                throw LoRAError.invalidState("parameter \(parameter.name) is not a tensor of the configuration")
            }
            try writer.add(.init(name: parameter.name, shape: shape, floats: try parameter.value.download()))
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))

        let configURL = source.appendingPathComponent("config.json")
        guard var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any] else {
            throw ModelError.invalidConfig(file: configURL.path, field: "(file)", detail: "is not a JSON object")
        }
        json["quantization_config"] = nil
        json[json["dtype"] != nil ? "dtype" : "torch_dtype"] = "float32"
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"), options: .atomic)
    }

    /// Replaces every trainable tensor with the one of the same name in `folder`'s checkpoint
    /// (resuming full-parameter training).
    public func loadWeights(from folder: URL) throws {
        let checkpoint = try ModelCheckpoint(folder: folder)
        for parameter in trainableParameters {
            let values = try checkpoint.floats(parameter.name)
            guard values.count == parameter.value.count else {
                throw ModelError.tensorShape(file: folder.path, tensor: parameter.name, expected: [parameter.value.count], actual: [values.count])
            }
            try parameter.value.upload(values)
        }
    }
}
