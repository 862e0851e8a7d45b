import Foundation
import LoRAKitGGUF

/// Folds a PEFT adapter into a GGUF base and writes a GGUF model, as llama.cpp's
/// llama-export-lora does: every adapted weight becomes W + s·B·A, computed in float32 on a
/// device and stored as F16 when the base stored it in a block format (re-quantizing would round
/// the adapter away; F32, F16 and BF16 weights keep their type), its rows back in the base's
/// order; every other tensor and all metadata (tokenizer, chat template) are copied as they are.
enum GGUFAdapterMerge {
    static func merge(base checkpoint: ModelCheckpoint, adapter: PEFTAdapter, output: URL, device: any Device) throws -> AdapterMerge.Report {
        guard let gguf = checkpoint.gguf else { throw ModelError.invalidConfig(file: checkpoint.folder.path, field: "(file)", detail: "not a GGUF model") }
        var byGGUFName: [String: (path: String, module: PEFTAdapter.Module)] = [:]
        for (path, module) in adapter.modules {
            guard let name = GGUFTensorNames.gguf(path + ".weight"), gguf.contains(path + ".weight") else {
                throw ModelError.missingTensor(file: gguf.path, tensor: path + ".weight (adapted module)")
            }
            byGGUFName[name] = (path, module)
        }
        var writer = GGUFWriter()
        for key in gguf.file.metadataKeys { writer.set(key, gguf.file.metadata[key]!) }
        var report = AdapterMerge.Report()
        for tensor in gguf.file.tensors {
            guard let (path, module) = byGGUFName[tensor.name] else {
                try GGUFModelConfig.read(gguf.path) { () throws(GGUFError) in
                    try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: tensor.type, data: Data(tensor.data))
                }
                continue
            }
            let merged = try mergedValues(path: path, module: module, adapter: adapter, checkpoint: checkpoint, device: device)
            let rows = GGUFAdapterExport.permutedRowsIfNeeded(merged, of: path + ".weight", rows: module.outFeatures, in: gguf)
            let type: GGMLType = [.f32, .f16, .bf16].contains(tensor.type) ? tensor.type : .f16
            try GGUFModelConfig.read(gguf.path) { () throws(GGUFError) in
                try writer.addTensor(name: tensor.name, dimensions: tensor.dimensions, type: type, data: BlockQuantizer.quantize(type, rows))
            }
            report.mergedModules += 1
        }
        report.writtenTensors = gguf.file.tensors.count
        report.dtype = "F16 for block-quantized weights, others as stored (GGUF)"
        try GGUFModelConfig.read(output.path) { () throws(GGUFError) in try writer.write(to: output) }
        return report
    }

    /// W + s·B·A of one module, float32, rows in transformers' order.
    private static func mergedValues(path: String, module: PEFTAdapter.Module, adapter: PEFTAdapter, checkpoint: ModelCheckpoint,
                                     device: any Device) throws -> [Float] {
        let layer = try LoRALinear(weight: device.makeBuffer(checkpoint.floats(path + ".weight"), label: path), inFeatures: module.inFeatures,
                                   outFeatures: module.outFeatures, config: adapter.config)
        try layer.load(module)
        return try layer.mergedWeight(as: .float32).download()
    }
}
