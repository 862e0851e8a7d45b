import LoRAKit
import Testing

/// A LoRA layer over an NF4 base must compute exactly what the same layer computes over the
/// dequantized float32 weight (the reference is `ReferenceLoRA` with W = dequantize(NF4)).
@Suite("QLoRA layer (NF4 base)")
struct QLoRATests {
    struct Case: CustomTestStringConvertible, Sendable {
        let lora: LoRACase
        let blockSize: Int
        let doubleQuantize: Bool
        var testDescription: String { "\(lora.testDescription) nf4 b\(blockSize)\(doubleQuantize ? " dq" : "")" }
    }

    static let cases = [
        Case(lora: LoRACase(rows: 3, inFeatures: 37, outFeatures: 29, rank: 5, bias: true, dropout: 0.25, rsLoRA: false), blockSize: 64, doubleQuantize: true),
        Case(lora: LoRACase(rows: 32, inFeatures: 64, outFeatures: 48, rank: 8, bias: false, dropout: 0, rsLoRA: true), blockSize: 128, doubleQuantize: false),
    ]

    /// An NF4 layer, its input, and the reference over the dequantized weight.
    static func make(_ c: Case, on device: any Device, scratch: DequantizationScratch? = nil, seed: UInt64 = 1)
        throws -> (layer: LoRALinear, x: DeviceBuffer, dY: [Float], reference: ReferenceLoRA) {
        let l = c.lora
        var values = SeededValues(seed: seed)
        let dense = values.floats(l.outFeatures * l.inFeatures)
        let tensor = try NF4Codec.quantize(dense, shape: [l.outFeatures, l.inFeatures], blockSize: c.blockSize, doubleQuantize: c.doubleQuantize)
        let bias = l.bias ? values.floats(l.outFeatures) : nil
        let a = values.floats(l.rank * l.inFeatures).map { $0 * 0.5 }
        let b = values.floats(l.outFeatures * l.rank).map { $0 * 0.5 }
        let x = values.floats(l.rows * l.inFeatures)
        let dY = values.floats(l.rows * l.outFeatures)
        let config = LoRAConfig(rank: l.rank, alpha: 2 * Float(l.rank), dropout: l.dropout, useRSLoRA: l.rsLoRA)
        let layer = try LoRALinear(quantizedWeight: NF4Weight(tensor, on: device, label: "W\(seed)"),
                                   bias: bias.map { try device.makeBuffer($0, label: "bias") }, config: config,
                                   seed: 42, stream: 3, scratch: scratch)
        try layer.loraA.upload(a)
        try layer.loraB.upload(b)
        let mask = l.dropout > 0 ? layer.dropoutKey(step: LoRAFixture.step).maskFactors(count: x.count, probability: l.dropout) : nil
        let reference = ReferenceLoRA(rows: l.rows, inFeatures: l.inFeatures, outFeatures: l.outFeatures, rank: l.rank,
                                      x: x, w: NF4Codec.dequantize(tensor), bias: bias, a: a, b: b,
                                      scale: Double(config.scale), mask: mask)
        return (layer, try device.makeBuffer(x, label: "X"), dY, reference)
    }

    @Test("forward and backward equal the layer over the dequantized weight", arguments: TestDevices.all, QLoRATests.cases)
    func forwardBackward(info: DeviceInfo, c: Case) throws {
        let device = try TestDevices.open(info)
        let (layer, x, dY, reference) = try Self.make(c, on: device)
        let terms = c.lora.inFeatures + c.lora.outFeatures + c.lora.rows + c.lora.rank
        let (y, saved) = try layer.forward(x, rows: c.lora.rows, mode: .training(step: LoRAFixture.step))
        let expectedY = reference.y
        expectWithin(try y.download(), expectedY.value, bound: expectedY.bound(terms: terms), "Y \(c.testDescription)")
        let dX = try device.makeBuffer(.float32, count: c.lora.rows * c.lora.inFeatures, label: "dX")
        try layer.backward(outputGradient: device.makeBuffer(dY, label: "dY"), saved: saved!, inputGradient: dX)
        let (dA, dB, dXRef) = reference.gradients(dY: dY)
        expectWithin(try layer.gradA.download(), dA.value, bound: dA.bound(terms: terms), "dA \(c.testDescription)")
        expectWithin(try layer.gradB.download(), dB.value, bound: dB.bound(terms: terms), "dB \(c.testDescription)")
        expectWithin(try dX.download(), dXRef.value, bound: dXRef.bound(terms: terms), "dX \(c.testDescription)")
    }

    @Test("layers sharing one dequantization scratch stay correct when interleaved", arguments: TestDevices.all)
    func sharedScratch(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let scratch = DequantizationScratch(device: device)
        let c = Self.cases[0]
        let first = try Self.make(c, on: device, scratch: scratch, seed: 11)
        let second = try Self.make(Case(lora: LoRACase(rows: 3, inFeatures: 64, outFeatures: 40, rank: 4, bias: false, dropout: 0, rsLoRA: false),
                                        blockSize: 64, doubleQuantize: true), on: device, scratch: scratch, seed: 12)
        let (_, saved) = try first.layer.forward(first.x, rows: 3, mode: .training(step: LoRAFixture.step))
        let (y2, _) = try second.layer.forward(second.x, rows: 3)   // overwrites the scratch with another weight
        let dX = try device.makeBuffer(.float32, count: 3 * 37, label: "dX")
        try first.layer.backward(outputGradient: device.makeBuffer(first.dY, label: "dY"), saved: saved!, inputGradient: dX)
        let terms = 37 + 29 + 3 + 5
        let (_, _, dXRef) = first.reference.gradients(dY: first.dY)
        expectWithin(try dX.download(), dXRef.value, bound: dXRef.bound(terms: terms), "dX after another layer used the scratch")
        let y2Ref = ReferenceLoRA(rows: 3, inFeatures: 64, outFeatures: 40, rank: 4, x: second.reference.x, w: second.reference.w,
                                  bias: nil, a: second.reference.a, b: second.reference.b, scale: second.reference.scale, mask: nil).y
        expectWithin(try y2.download(), y2Ref.value, bound: y2Ref.bound(terms: 64 + 40 + 3 + 4), "second layer's Y")
        #expect(scratch.bytes == 64 * 40 * 4, "the scratch is as large as the largest weight, not the sum")
    }

    @Test("an adapter merges into an NF4 base as float32 or float16, never back into NF4", arguments: TestDevices.all)
    func merge(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let c = Self.cases[0]
        let (layer, _, _, reference) = try Self.make(c, on: device)
        let (n, k, r) = (c.lora.outFeatures, c.lora.inFeatures, c.lora.rank)
        var exact: [Double] = [], bound: [Double] = []
        for o in 0..<n {
            for i in 0..<k {
                var sum = 0.0, magnitude = 0.0
                for j in 0..<r {
                    sum += Double(reference.b[o * r + j]) * Double(reference.a[j * k + i])
                    magnitude += abs(Double(reference.b[o * r + j]) * Double(reference.a[j * k + i]))
                }
                let value = Double(reference.w[o * k + i]) + reference.scale * sum
                exact.append(value)
                bound.append(Double(r + 4) * float32Roundoff * (abs(Double(reference.w[o * k + i])) + reference.scale * magnitude))
            }
        }
        expectWithin(try layer.mergedWeight(as: .float32).download(), exact, bound: bound, "merged float32")
        let half: [Float16] = try layer.mergedWeight(as: .float16).download()
        expectWithin(half.map(Float.init), exact, bound: zip(exact, bound).map { abs($0) * 0x1p-11 + 0x1p-25 + $1 }, "merged float16")
        #expect { try layer.merge() } throws: { "\($0)".contains("is NF4: re-quantizing would lose the adapter") }
    }

    @Test("a 4096×4096 NF4 base takes about 1/7.75 of its float32 twin's bytes")
    func memory() throws {
        let device = try TestDevices.host
        var values = SeededValues(seed: 3)
        let tensor = try NF4Codec.quantize(values.floats(4096 * 4096), shape: [4096, 4096])
        let weight = try NF4Weight(tensor, on: device, label: "big")
        let ratio = Double(4096 * 4096 * 4) / Double(weight.deviceBytes)
        #expect(abs(ratio - 32 / 4.127) < 0.05, "float32 / NF4 bytes = \(ratio)")
    }
}
