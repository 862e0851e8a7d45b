import Foundation
import LoRAKit
import Testing

/// A BF16 checkpoint (the tiny Llama's weights rounded to bfloat16, written here) keeps its
/// embedding, LM head and Linear weights bfloat16 on the device, the norms float32, and computes
/// exactly what the same model computes from its float32 widening (a second checkpoint holding
/// the widened values): logits, loss and LoRA gradients bit for bit, since every GEMM sees the
/// same float32 values (each weight is one widening block at this size) and the embedding rows
/// are widened exactly. It costs 2 bytes per frozen matrix parameter fewer, counted exactly.
@Suite("BF16 checkpoints")
struct BFloat16CheckpointTests {
    /// Elements of the tiny Llama's matrices (embedding, LM head, 2 × 7 projections) and norms (5 × 64).
    static let (matrixElements, normElements) = (2 * 256 * 64 + 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 96 * 64), 5 * 64)

    /// Writes the BF16 twin and the float32 widening of the tiny Llama (`tied`: without lm_head,
    /// tie_word_embeddings on), with `edit` applied to each tensor's bfloat16 values first.
    static func checkpoints(tied: Bool = false, edit: (String, inout [BFloat16]) -> Void = { _, _ in }) throws -> (bf16: URL, widened: URL) {
        let source = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: source) }
        let weights = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        (config["tie_word_embeddings"], config["dtype"]) = (tied, "bfloat16")
        var brain = SafeTensorsWriter(metadata: ["format": "pt"]), wide = SafeTensorsWriter(metadata: ["format": "pt"])
        for tensor in weights.tensors where !(tied && tensor.name == "lm_head.weight") {
            var rounded = try weights.floats(tensor.name).map { BFloat16($0) }
            edit(tensor.name, &rounded)
            try brain.add(.init(name: tensor.name, dtype: .bf16, shape: tensor.shape, bytes: rounded.withUnsafeBufferPointer { Data(buffer: $0) }))
            try wide.add(.init(name: tensor.name, shape: tensor.shape, floats: rounded.map(Float.init)))
        }
        let folders = ["bf16", "f32"].map { FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-\($0)-\(UUID().uuidString)") }
        for (folder, writer) in zip(folders, [brain, wide]) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try writer.write(to: folder.appendingPathComponent("model.safetensors"))
            try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        }
        return (folders[0], folders[1])
    }

    /// Logits, loss and every LoRA gradient of two models, which must be equal bit for bit.
    static func expectSameStep(_ a: LlamaModel, _ b: LlamaModel, _ context: String) throws {
        let ids = try LlamaTrainingTests.ids()
        #expect(try a.logits(ids: ids, batch: 2).download(as: Float.self) == b.logits(ids: ids, batch: 2).download(as: Float.self),
                "\(context): logits")
        try a.zeroGradients()
        try b.zeroGradients()
        let (lossA, lossB) = (try a.lossAndGradients(ids: ids, batch: 2, step: 1).loss, try b.lossAndGradients(ids: ids, batch: 2, step: 1).loss)
        #expect(lossA == lossB, "\(context): loss \(lossA) vs \(lossB)")
        #expect(try a.trainableParameters.map { try $0.gradient.download(as: Float.self) }
                == b.trainableParameters.map { try $0.gradient.download(as: Float.self) }, "\(context): LoRA gradients")
    }

    @Test("stays bfloat16 on the device and trains exactly as its float32 widening (untied and tied head)",
          arguments: TestDevices.all, [false, true])
    func trainsAsWidened(info: DeviceInfo, tied: Bool) throws {
        let device = try TestDevices.open(info)
        let (bf16, widened) = try Self.checkpoints(tied: tied)
        defer { [bf16, widened].forEach { try? FileManager.default.removeItem(at: $0) } }
        let lora = LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, targetModules: ["q_proj", "v_proj", "down_proj"])
        let model16 = try LlamaModel(checkpoint: ModelCheckpoint(folder: bf16), device: device, lora: lora, seed: 5)
        let model32 = try LlamaModel(checkpoint: ModelCheckpoint(folder: widened), device: device, lora: lora, seed: 5)
        let matrices = Self.matrixElements - (tied ? 256 * 64 : 0)
        #expect(model16.frozenBytes == ["bfloat16": 2 * matrices, "float32": 4 * Self.normElements])
        #expect(model32.frozenBytes == ["float32": 4 * (matrices + Self.normElements)])
        guard case .lora(let q) = model16.layers[0].projections["q_proj"]!, case .frozen(let up) = model16.layers[1].projections["up_proj"]!,
              case .dense(let upWeight) = up.weight else {
            Issue.record("q_proj should be LoRA, up_proj frozen and dense")
            return
        }
        #expect(q.weight?.elementType == .bfloat16 && upWeight.elementType == .bfloat16)
        for model in [model16, model32] {
            var values = SeededValues(seed: 9)   // B ≠ 0, so the adapters' gradients reach A and X
            for (_, layer) in model.loraLayers { try layer.loraB.upload(values.floats(layer.loraB.count)) }
        }
        try Self.expectSameStep(model16, model32, tied ? "tied" : "untied")
    }

    @Test("QLoRA over a BF16 checkpoint: NF4 blocks, bfloat16 embedding and head, exactly as over the widening",
          arguments: TestDevices.all)
    func qlora(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (bf16, widened) = try Self.checkpoints()
        defer { [bf16, widened].forEach { try? FileManager.default.removeItem(at: $0) } }
        let lora = LoRAConfig(rank: 4, alpha: 8, targetModules: ["k_proj", "gate_proj"])
        let model16 = try LlamaModel(checkpoint: ModelCheckpoint(folder: bf16), device: device, lora: lora, quantizeToNF4: true)
        let model32 = try LlamaModel(checkpoint: ModelCheckpoint(folder: widened), device: device, lora: lora, quantizeToNF4: true)
        #expect(model16.frozenBytes["bfloat16"] == 2 * 2 * 256 * 64 && model16.frozenBytes["NF4"] == model32.frozenBytes["NF4"])
        try Self.expectSameStep(model16, model32, "QLoRA")
    }

    /// Each model on a device instance of its own, so the counts see nothing else: after loading,
    /// the BF16 model holds exactly 2 bytes per matrix parameter fewer; across a training step its
    /// peak is lower by that, less at most the widening scratch (here the largest matrix in float32).
    @Test("device memory of a BF16 checkpoint: 2 bytes fewer per frozen matrix parameter", arguments: TestDevices.all)
    func memory(info: DeviceInfo) throws {
        let (bf16, widened) = try Self.checkpoints()
        defer { [bf16, widened].forEach { try? FileManager.default.removeItem(at: $0) } }
        var loaded: [Int] = [], peaks: [Int] = []
        for folder in [bf16, widened] {
            let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
            let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device,
                                       lora: LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"]))
            loaded.append(device.memoryUsage.currentBytes)
            _ = try model.lossAndGradients(ids: LlamaTrainingTests.ids(), batch: 2, step: 0)
            try device.synchronize()
            peaks.append(device.memoryUsage.peakBytes)
        }
        #expect(loaded[1] - loaded[0] == 2 * Self.matrixElements, "after loading: \(loaded)")
        let scratch = 4 * 256 * 64
        #expect(peaks[1] - peaks[0] >= 2 * Self.matrixElements - scratch && peaks[0] < peaks[1], "peaks \(peaks)")
    }
}
