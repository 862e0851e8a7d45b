import Foundation
import LoRAKit
import Testing

/// Gradients through the whole tiny Llama against PEFT + PyTorch autograd
/// (`Fixtures/make_peft_gradients.py`, the rsLoRA adapter on all seven projections). Tolerance per
/// element: 3·10⁻⁴·|g| + 10⁻³·max|g| of that tensor (float32 through two blocks, attention and
/// the loss, summed in a different order than PyTorch's).
@Suite("Llama model backward")
struct LlamaTrainingTests {
    static func ids() throws -> [Int32] {
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("tiny-llama-bnb4/reference_logits.safetensors"))
        return try reference.bytes("input_ids").withUnsafeBytes { raw in
            (0..<18).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
        }
    }

    static func model(on device: any Device, folder: URL) throws -> LlamaModel {
        let adapter = try PEFTAdapter.load(from: Fixtures.url("peft/rslora"))
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: folder), device: device, lora: adapter.config)
        try model.load(adapter, from: "peft/rslora")
        return model
    }

    @Test("LoRA gradients match PEFT's; checkpointing on and off give the same gradients", arguments: TestDevices.all)
    func gradientsMatchPEFT(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.model(on: device, folder: folder)
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("peft/rslora/gradients.safetensors"))
        try model.zeroGradients()
        let (loss, tokens) = try model.lossAndGradients(ids: Self.ids(), batch: 2, step: 0, checkpointing: false)
        #expect(tokens == 16)
        let expectedLoss = Double(try reference.floats("loss")[0])
        #expect(abs(loss - expectedLoss) <= 1e-4 * expectedLoss, "loss \(loss) vs PEFT \(expectedLoss)")
        // The evaluation path (no gradients) gives PEFT's loss for the PEFT-written adapter too.
        let (evaluated, _) = try model.loss(ids: Self.ids(), batch: 2)
        #expect(abs(evaluated - expectedLoss) <= 1e-4 * expectedLoss, "eval loss \(evaluated) vs PEFT \(expectedLoss)")
        var plain: [[Float]] = []
        for (path, layer) in model.loraLayers {
            for (name, gradient) in [("lora_A", layer.gradA), ("lora_B", layer.gradB)] {
                let ours: [Float] = try gradient.download()
                plain.append(ours)
                let theirs = try reference.floats("\(path).\(name).weight").map(Double.init)
                let largest = theirs.map(abs).max()!
                expectWithin(ours, theirs, bound: theirs.map { 3e-4 * abs($0) + 1e-3 * largest }, "\(path).\(name)")
            }
        }
        try model.zeroGradients()
        _ = try model.lossAndGradients(ids: Self.ids(), batch: 2, step: 0, checkpointing: true)
        let checkpointed = try model.loraLayers.flatMap { [try $0.layer.gradA.download(as: Float.self), try $0.layer.gradB.download(as: Float.self)] }
        #expect(checkpointed == plain, "recomputing blocks in backward must give the same gradients")
    }

    @Test("loading an adapter that lacks one of the model's LoRA modules is an error naming it")
    func adapterMissingModule() throws {
        let model = try LlamaModel(checkpoint: ModelCheckpoint(folder: Fixtures.url("tiny-llama-bnb4")), device: TestDevices.host,
                                   lora: LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "k_proj", "v_proj"]))
        let adapter = try PEFTAdapter.load(from: Fixtures.url("peft/standard"))   // q_proj and v_proj only
        #expect { try model.load(adapter, from: "peft/standard") } throws: {
            "\($0)" == "peft/standard: tensor 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight' is missing"
        }
    }

    @Test("gradients of an NF4 model exist and the loss falls after a gradient step", arguments: TestDevices.all)
    func nf4Step(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let model = try Self.model(on: device, folder: Fixtures.url("tiny-llama-bnb4"))
        let ids = try Self.ids()
        try model.zeroGradients()
        let (before, _) = try model.lossAndGradients(ids: ids, batch: 2, step: 0)
        // Plain gradient descent on B only, a small step: the loss must fall.
        for (_, layer) in model.loraLayers {
            try device.axpy(alpha: -0.5, x: layer.gradB, y: layer.loraB)
            try device.axpy(alpha: -0.5, x: layer.gradA, y: layer.loraA)
        }
        let (after, _) = try model.loss(ids: ids, batch: 2)
        #expect(after < before, "loss \(before) → \(after)")
    }

    /// A NaN gradient (an overflowed step) must not survive `zeroGradients`, or every later
    /// step's gradient would be NaN too.
    @Test("zeroGradients clears NaN gradients", arguments: TestDevices.all)
    func zeroingClearsNaN(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let model = try Self.model(on: device, folder: Fixtures.url("tiny-llama-bnb4"))
        let (_, first) = model.loraLayers[0]
        try first.gradA.upload([Float](repeating: .nan, count: first.gradA.count))
        try first.gradB.upload([Float](repeating: .infinity, count: first.gradB.count))
        try model.zeroGradients()
        for (path, layer) in model.loraLayers {
            #expect(try layer.gradA.download(as: Float.self).allSatisfy { $0 == 0 }, "\(path).lora_A")
            #expect(try layer.gradB.download(as: Float.self).allSatisfy { $0 == 0 }, "\(path).lora_B")
        }
        _ = try model.lossAndGradients(ids: Self.ids(), batch: 2, step: 0)
        #expect(try first.gradA.download(as: Float.self).allSatisfy { $0.isFinite }, "the next step's gradient is finite")
    }
}
