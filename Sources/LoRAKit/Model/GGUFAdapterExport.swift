import Foundation
import LoRAKitGGUF

/// A PEFT adapter as the GGUF LoRA adapter llama.cpp's `--lora` loads (what its
/// convert_lora_to_gguf.py writes): `general.type` adapter, `adapter.type` lora,
/// `adapter.lora.alpha`, the base's `general.architecture`, and per adapted weight
/// `<base tensor>.lora_a` (ne [in, r]) and `.lora_b` (ne [r, out]), with lora_b's rows of a Llama
/// q or k projection in the base's permuted order.
public enum GGUFAdapterExport {
    /// Writes `adapter` for the GGUF base `base` to `url` (atomically), values as `type` (F32 or
    /// F16). llama.cpp scales by alpha/r; an rsLoRA adapter (alpha/√r) is written with
    /// alpha·√r so the scale is the same. Returns the number of adapted weights written.
    @discardableResult
    public static func write(_ adapter: PEFTAdapter, base: ModelCheckpoint, to url: URL, type: GGMLType = .f32) throws -> Int {
        guard let gguf = base.gguf else {
            throw ModelError.invalidConfig(file: base.folder.path, field: "(file)", detail: "a GGUF adapter needs a GGUF base model (--base MODEL.gguf)")
        }
        guard type == .f32 || type == .f16 else {
            throw ModelError.invalidConfig(file: url.path, field: "type", detail: "\(type) is not F32 or F16")
        }
        let rank = adapter.config.rank
        let alpha = adapter.config.useRSLoRA ? adapter.config.alpha * Float(rank).squareRoot() : adapter.config.alpha
        var writer = GGUFWriter()
        writer.set("general.architecture", .string(gguf.architecture))
        writer.set("general.type", .string("adapter"))
        writer.set("adapter.type", .string("lora"))
        writer.set("adapter.lora.alpha", .float32(alpha))
        for path in adapter.modules.keys.sorted(by: Self.fileOrder) {
            let module = adapter.modules[path]!
            let weight = path + ".weight"
            guard let name = GGUFTensorNames.gguf(weight), gguf.contains(weight) else {
                throw ModelError.missingTensor(file: gguf.path, tensor: "\(GGUFTensorNames.gguf(weight) ?? weight) (adapted module \(path))")
            }
            let shape = try gguf.tensor(weight).rowMajorShape
            guard shape == [module.outFeatures, module.inFeatures] else {
                throw ModelError.tensorShape(file: gguf.path, tensor: name, expected: [module.outFeatures, module.inFeatures], actual: shape)
            }
            let b = permutedRowsIfNeeded(module.b, of: weight, rows: module.outFeatures, in: gguf)
            try writer.addTensor(name: name + ".lora_a", dimensions: [module.inFeatures, rank], type: type, data: BlockQuantizer.quantize(type, module.a))
            try writer.addTensor(name: name + ".lora_b", dimensions: [rank, module.outFeatures], type: type, data: BlockQuantizer.quantize(type, b))
        }
        try GGUFModelConfig.read(url.path) { () throws(GGUFError) in try writer.write(to: url) }
        return adapter.modules.count
    }

    /// Rows of a matrix in transformers' order (B, out×r, or a merged weight) moved to where the
    /// base GGUF keeps the weight's rows.
    static func permutedRowsIfNeeded(_ b: [Float], of weight: String, rows: Int, in gguf: GGUFCheckpoint) -> [Float] {
        guard let heads = GGUFTensorNames.permutedHeads(weight, config: gguf.config, architecture: gguf.architecture) else { return b }
        return GGUFTensorNames.reorderedRows(b, rows: rows, heads: heads, toGGUF: true)
    }

    /// Layer by layer, then by module name, as a converter walks a model.
    static func fileOrder(_ a: String, _ b: String) -> Bool {
        func key(_ path: String) -> (Int, String) {
            let parts = path.split(separator: ".")
            return (parts.count > 2 ? Int(parts[2]) ?? -1 : -1, path)
        }
        return key(a) < key(b)
    }
}
