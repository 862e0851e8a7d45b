import Foundation
import LoRAKitGGUF

/// A GGUF model file as a checkpoint: its tensors under their Hugging Face names with the
/// shapes the configuration implies, q and k rows back in transformers' order, values
/// dequantized exactly as the `gguf` package's `dequantize`. Opening it checks that every
/// tensor the configuration implies is present once with its shape and a readable type, and
/// that nothing else is there.
final class GGUFCheckpoint: @unchecked Sendable {
    let file: GGUFFile
    let path: String
    let config: ModelConfig
    let architecture: String

    init(url: URL) throws {
        let path = url.path
        let file = try GGUFModelConfig.read(path) { () throws(GGUFError) in try GGUFFile(contentsOf: url) }
        (self.path, self.file) = (path, file)
        config = try GGUFModelConfig.config(of: file, path: path)
        architecture = try GGUFModelConfig.read(path) { () throws(GGUFError) in try file.string("general.architecture") }
        var accounted = Set<String>()
        for (name, shape) in config.expectedTensors {
            let tensor = try self.tensor(name)
            guard tensor.rowMajorShape == shape else { throw ModelError.tensorShape(file: path, tensor: tensor.name, expected: shape, actual: tensor.rowMajorShape) }
            guard tensor.type.isDequantizable else {
                throw ModelError.invalidConfig(file: path, field: tensor.name, detail: "tensor type \(tensor.type) is not supported")
            }
            accounted.insert(tensor.name)
        }
        accounted.insert("rope_freqs.weight")   // read into the configuration
        if let extra = file.tensors.first(where: { !accounted.contains($0.name) }) {
            throw ModelError.unexpectedTensor(file: path, tensor: extra.name)
        }
    }

    /// The GGUF tensor of a Hugging Face name.
    func tensor(_ name: String) throws -> GGUFTensor {
        guard let ggufName = GGUFTensorNames.gguf(name), file.hasTensor(named: ggufName) else {
            throw ModelError.missingTensor(file: path, tensor: GGUFTensorNames.gguf(name).map { "\($0) (\(name))" } ?? name)
        }
        return try GGUFModelConfig.read(path) { () throws(GGUFError) in try file.tensor(named: ggufName) }
    }

    func contains(_ name: String) -> Bool { GGUFTensorNames.gguf(name).map(file.hasTensor(named:)) ?? false }

    /// The float32 values in transformers' layout.
    func floats(_ name: String) throws -> [Float] {
        let tensor = try tensor(name)
        let values = try GGUFModelConfig.read(path) { () throws(GGUFError) in try tensor.dequantized() }
        guard let heads = GGUFTensorNames.permutedHeads(name, config: config, architecture: architecture) else { return values }
        return GGUFTensorNames.reorderedRows(values, rows: tensor.rowMajorShape[0], heads: heads, toGGUF: false)
    }

    /// The stored bytes with rows in transformers' order: a row of a quantized matrix is a whole
    /// number of blocks (GGUF blocks run along a row), so rows move without dequantizing.
    func storedBytes(_ name: String) throws -> (type: GGMLType, shape: [Int], bytes: Data) {
        let tensor = try tensor(name)
        guard let heads = GGUFTensorNames.permutedHeads(name, config: config, architecture: architecture) else {
            return (tensor.type, tensor.rowMajorShape, Data(tensor.data))
        }
        let bytes = GGUFTensorNames.reorderedRows([UInt8](tensor.data), rows: tensor.rowMajorShape[0], heads: heads, toGGUF: false)
        return (tensor.type, tensor.rowMajorShape, Data(bytes))
    }
}
