import Foundation
import LoRAKit
import Testing

/// Frozen float16 and bfloat16 weights reach their GEMMs widened into the dequantization scratch,
/// a block of rows at a time. A weight within one block must give, bit for bit, what the same
/// layer over its float32 widening gives (the same GEMM on the same values). Split into blocks,
/// the forward writes each block's columns and the backward sums the blocks' products, so both
/// must meet the float32 GEMM bound of `ReferenceGEMM` against the widened weight.
@Suite("16-bit frozen weights")
struct WidenedWeightTests {
    static let (rows, k, n, r) = (5, 37, 29, 3)

    /// The weight in `storage` and its exact float32 widening.
    static func weight(_ storage: ElementType, on device: any Device) throws -> (stored: DeviceBuffer, widened: [Float]) {
        var values = SeededValues(seed: 41)
        let w = values.floats(n * k).map { $0 * 3 }
        if storage == .float16 {
            let halves = w.map { Float16($0) }
            return (try device.makeBuffer(halves, label: "W16"), halves.map(Float.init))
        }
        let brains = w.map { BFloat16($0) }
        return (try device.makeBuffer(brains, label: "W bf16"), brains.map(Float.init))
    }

    @Test("a 16-bit weight in one block: forward, dX, dA and dB of its float32 widening, bit for bit",
          arguments: TestDevices.all, [ElementType.float16, .bfloat16])
    func oneBlock(info: DeviceInfo, storage: ElementType) throws {
        let device = try TestDevices.open(info)
        let (stored, widened) = try Self.weight(storage, on: device)
        var values = SeededValues(seed: 42)
        let bias = try device.makeBuffer(values.floats(Self.n), label: "bias")
        let x = try device.makeBuffer(values.floats(Self.rows * Self.k), label: "X")
        let dY = try device.makeBuffer(values.floats(Self.rows * Self.n), label: "dY")
        let frozen = try [stored, device.makeBuffer(widened, label: "W32")].map {
            try FrozenLinear(weight: .dense($0), bias: bias, inFeatures: Self.k, outFeatures: Self.n)
        }
        let y = try frozen.map { try $0.forward(x, rows: Self.rows).download(as: Float.self) }
        #expect(y[0] == y[1], "\(storage) frozen forward")
        let dX = try frozen.map { layer -> [Float] in
            let dX = try device.makeBuffer(values.floats(Self.rows * Self.k), label: "dX")
            try layer.backward(outputGradient: dY, rows: Self.rows, into: dX, update: .overwrite)
            try layer.backward(outputGradient: dY, rows: Self.rows, into: dX, update: .accumulate)
            return try dX.download()
        }
        #expect(dX[0] == dX[1], "\(storage) frozen backward")

        let config = LoRAConfig(rank: Self.r, alpha: 6, dropout: 0.25)
        let lora = try [stored, device.makeBuffer(widened, label: "W32")].map {
            try LoRALinear(weight: $0, bias: bias, inFeatures: Self.k, outFeatures: Self.n, config: config, seed: 3, stream: 1)
        }
        let b = values.floats(Self.n * Self.r)
        var results: [[[Float]]] = []
        for layer in lora {
            try layer.loraB.upload(b)
            let (out, saved) = try layer.forward(x, rows: Self.rows, mode: .training(step: 2))
            let dX = try device.makeBuffer(.float32, count: Self.rows * Self.k, label: "dX")
            try layer.backward(outputGradient: dY, saved: saved!, inputGradient: dX)
            results.append([try out.download(), try dX.download(), try layer.gradA.download(), try layer.gradB.download()])
        }
        #expect(results[0] == results[1], "\(storage) LoRA forward and gradients")
    }

    @Test("a 16-bit weight in blocks of rows: forward and dX within the float32 GEMM bound of the widened weight",
          arguments: TestDevices.all, [ElementType.float16, .bfloat16])
    func rowBlocks(info: DeviceInfo, storage: ElementType) throws {
        let device = try TestDevices.open(info)
        let (stored, widened) = try Self.weight(storage, on: device)
        var values = SeededValues(seed: 43)
        let x = values.floats(Self.rows * Self.k), dY = values.floats(Self.rows * Self.n), dX0 = values.floats(Self.rows * Self.k)
        let bias = values.floats(Self.n)
        let y0 = (0..<Self.rows).flatMap { _ in bias }   // the bias rows the forward's GEMM accumulates onto
        // 3 rows per block (the last holds 2 of 29), then 1 row per block (block smaller than a row).
        for (blockElements, blockRows) in [(3 * Self.k + 5, 3), (1, 1)] {
            let scratch = DequantizationScratch(device: device)
            scratch.widenBlockElements = blockElements
            let layer = try FrozenLinear(weight: .dense(stored), bias: device.makeBuffer(bias, label: "bias"), inFeatures: Self.k,
                                         outFeatures: Self.n, scratch: scratch)
            let y = try layer.forward(device.makeBuffer(x, label: "X"), rows: Self.rows)
            let forward = ReferenceGEMM.run(GEMMDescriptor(m: Self.rows, n: Self.n, k: Self.k, transposeB: true, beta: 1),
                                            a: x, b: widened, c: y0)
            expectWithin(try y.download(), forward.values, bound: forward.bound, "\(storage) forward in blocks of \(blockRows)")
            for update in [GradientUpdate.overwrite, .accumulate] {
                let dX = try device.makeBuffer(dX0, label: "dX")
                try layer.backward(outputGradient: device.makeBuffer(dY, label: "dY"), rows: Self.rows, into: dX, update: update)
                let backward = ReferenceGEMM.run(GEMMDescriptor(m: Self.rows, n: Self.k, k: Self.n, beta: update == .accumulate ? 1 : 0),
                                                 a: dY, b: widened, c: dX0)
                expectWithin(try dX.download(), backward.values, bound: backward.bound, "\(storage) dX (\(update)) in blocks of \(blockRows)")
            }
            #expect(scratch.bytes == blockRows * Self.k * 4, "the scratch holds one block of \(blockRows) rows")
        }
    }
}
