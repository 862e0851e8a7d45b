import Foundation
import LoRAKit
import LoRAKitReferenceBackend
import Testing

/// The open device core: a backend from another target that runs GEMM alone
/// (`ReferenceGEMMDevice`, public API only) trains the tiny Llama behind `OffloadingDevice`, every
/// GEMM on it and every other operation on the host, with PEFT's gradients.
@Suite("Offloading device (a GEMM-only backend of another target)")
struct OffloadingDeviceTests {
    static func offloading() throws -> OffloadingDevice {
        OffloadingDevice(primary: ReferenceGEMMDevice(), fallback: try TestDevices.host)
    }

    @Test("the GEMM-only backend multiplies like the double-precision reference and refuses every other operation by name")
    func referenceBackendAlone() throws {
        let device = ReferenceGEMMDevice()
        let d = GEMMDescriptor(m: 5, n: 7, k: 9, transposeB: true, alpha: 0.5, beta: 2)
        var random = SeededValues(seed: 3)
        let (a, b, c) = (random.floats(45), random.floats(63), random.floats(35))
        let (ba, bb, bc) = try (device.makeBuffer(a, label: "A"), device.makeBuffer(b, label: "B"), device.makeBuffer(c, label: "C"))
        try device.gemm(d, a: ba, b: bb, c: bc)
        let expected = ReferenceGEMM.run(d, a: a, b: b, c: c)
        expectWithin(try bc.download(), expected.values, bound: expected.bound, "reference GEMM")
        #expect(device.supports(.gemm) && !device.supports(.axpy))
        #expect { try device.axpy(alpha: 1, x: ba, y: ba) } throws: {
            "\($0)" == "axpy: reference-gemm does not run this operation; wrap it in OffloadingDevice to run it on another device"
        }
    }

    @Test("behind OffloadingDevice it trains the tiny Llama: loss and LoRA gradients match PEFT's, GEMMs never leave it")
    func trainsBehindOffloading() throws {
        let device = try Self.offloading()
        let folder = try CheckpointQuantizerTests.floatCheckpoint()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try LlamaTrainingTests.model(on: device, folder: folder)
        let reference = try SafeTensorsFile(contentsOf: Fixtures.url("peft/rslora/gradients.safetensors"))
        try model.zeroGradients()
        let (loss, _) = try model.lossAndGradients(ids: LlamaTrainingTests.ids(), batch: 2, step: 0, checkpointing: false)
        let expectedLoss = Double(try reference.floats("loss")[0])
        #expect(abs(loss - expectedLoss) <= 1e-4 * expectedLoss, "loss \(loss) vs PEFT \(expectedLoss)")
        for (path, layer) in model.loraLayers {
            for (name, gradient) in [("lora_A", layer.gradA), ("lora_B", layer.gradB)] {
                let theirs = try reference.floats("\(path).\(name).weight").map(Double.init)
                let largest = theirs.map(abs).max()!
                expectWithin(try gradient.download(), theirs, bound: theirs.map { 3e-4 * abs($0) + 1e-3 * largest }, "\(path).\(name)")
            }
        }
        let offloaded = device.offloadedOperations
        #expect(offloaded[.gemm] == nil, "GEMM ran on the GEMM-only backend")
        #expect(device.primary.operationCounts.gemmCalls > 0)
        for operation in [DeviceOperation.rmsNorm, .rope, .causalSoftmax, .crossEntropy, .swiglu, .loraExpand] {
            #expect((offloaded[operation] ?? 0) > 0, "\(operation) ran on the host")
        }
    }

    @Test("an NF4 base behind OffloadingDevice gives the host's loss")
    func nf4LossEqualsHost() throws {
        let ids = try LlamaTrainingTests.ids()
        let host = try LlamaTrainingTests.model(on: TestDevices.host, folder: Fixtures.url("tiny-llama-bnb4"))
        let offloaded = try LlamaTrainingTests.model(on: Self.offloading(), folder: Fixtures.url("tiny-llama-bnb4"))
        let (expected, _) = try host.loss(ids: ids, batch: 2)
        let (actual, _) = try offloaded.loss(ids: ids, batch: 2)
        #expect(abs(actual - expected) <= 1e-5 * abs(expected), "loss \(actual) vs host \(expected)")
    }

    @Test("buffers of another device are refused by name, as every device refuses them")
    func wrongDevice() throws {
        let device = try Self.offloading()
        let own = try device.makeBuffer([Float](repeating: 1, count: 4), label: "own")
        let foreign = try TestDevices.host.makeBuffer([Float](repeating: 1, count: 4), label: "foreign")
        #expect { try device.axpy(alpha: 1, x: foreign, y: own) } throws: {
            "\($0)".hasPrefix("axpy: operand 'foreign' 'foreign' (4 × float32 on host) lives on host, not on reference-gemm+host")
        }
        try device.axpy(alpha: 2, x: own, y: own)
        #expect(try own.download(as: Float.self) == [3, 3, 3, 3])
    }
}
