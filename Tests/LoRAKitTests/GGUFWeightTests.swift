import Foundation
import LoRAKit
import LoRAKitGGUF
import Testing

/// LoRAKitGGUF's fixture `quants.gguf` (made by its make_gguf_fixtures.py with the gguf Python
/// package): for each type T, tensor "T" (quantized from sampled values, or every float16 bit
/// pattern for F16), "T.raw" (random bytes as blocks: NaN, ∞ and subnormal scales), and "T.ref"
/// / "T.raw.ref", gguf.quants.dequantize's float32 output.
enum GGUFFixtures {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LoRAKitGGUFTests/Fixtures/quants.gguf")

    static let quantized = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"]
    static let names = ["F16", "BF16"] + quantized + quantized.map { $0 + ".raw" }

    static func open() throws -> GGUFFile { try GGUFFile(contentsOf: url) }

    static func reference(_ file: GGUFFile, _ name: String) throws -> [Float] { try file.tensor(named: name + ".ref").dequantized() }
}

/// The first element whose bits differ, described; nil when all are equal. With `anyNaN`, a NaN
/// matches any NaN: GPUs return their own canonical NaN from arithmetic on a NaN scale.
func firstBitDifference(_ ours: [Float], _ reference: [Float], anyNaN: Bool = false) -> String? {
    guard ours.count == reference.count else { return "count \(ours.count) ≠ \(reference.count)" }
    for i in ours.indices where ours[i].bitPattern != reference[i].bitPattern && !(anyNaN && ours[i].isNaN && reference[i].isNaN) {
        let a = String(ours[i].bitPattern, radix: 16), b = String(reference[i].bitPattern, radix: 16)
        return "element \(i): ours \(ours[i]) (0x\(a)), gguf \(reference[i]) (0x\(b))"
    }
    return nil
}

/// Strict NaN bits on CPUs (the host and pocl compute as NumPy did on x86-64); any NaN on GPUs.
func nanLeniency(_ info: DeviceInfo) -> Bool { info.kind != .cpu }

@Suite("GGUF weights (llama.cpp blocks) on devices")
struct GGUFWeightTests {
    @Test("device dequantization equals gguf bit for bit, every type", arguments: TestDevices.all)
    func matchesGGUF(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let file = try GGUFFixtures.open()
        for name in GGUFFixtures.names {
            let tensor = try file.tensor(named: name)
            let weight = try GGUFWeight(tensor, on: device)
            let out = try device.makeBuffer(.float32, count: weight.elementCount, label: "out")
            try weight.dequantize(into: out)
            let mismatch = firstBitDifference(try out.download(), try GGUFFixtures.reference(file, name), anyNaN: nanLeniency(info))
            #expect(mismatch == nil, "\(name) \(weight.shape): \(mismatch ?? "")")
        }
    }

    /// Leading blocks of each fixture as a matrix whose element count is no power of two, written
    /// into a larger buffer (a reused scratch) whose tail must stay as it was.
    @Test("odd element counts and multi-row shapes; out larger than the weight", arguments: TestDevices.all)
    func prefixesAndShapes(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let file = try GGUFFixtures.open()
        for name in GGUFFixtures.quantized + ["BF16"] {
            let tensor = try file.tensor(named: name)
            let block = tensor.type.blockSize
            // 5 × 288 (45 blocks of 32), 2 × 768 (6 blocks of 256), BF16 3 × 1000
            let shape = block == 1 ? [3, 1000] : (block == 256 ? [2, 768] : [5, 288])
            let count = shape.reduce(1, *)
            let bytes = [UInt8](tensor.data.prefix(count / block * tensor.type.bytesPerBlock))
            let weight = try GGUFWeight(type: tensor.type, shape: shape, bytes: bytes, on: device, label: "\(name) prefix")
            let out = try device.makeBuffer(.float32, count: count + 77, label: "scratch")
            try device.fill(out, with: 7)
            try weight.dequantize(into: out)
            let values: [Float] = try out.download()
            let expected = Array(try GGUFFixtures.reference(file, name).prefix(count))
            let mismatch = firstBitDifference(Array(values.prefix(count)), expected, anyNaN: nanLeniency(info))
            #expect(mismatch == nil, "\(name) \(shape): \(mismatch ?? "")")
            #expect(values.suffix(77).allSatisfy { $0 == 7 }, "\(name): wrote past its \(count) elements")
        }
    }

    @Test("bad input gives its error text", arguments: TestDevices.all)
    func badInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let out = try device.makeBuffer(.float32, count: 512, label: "out")
        let bytes30 = try device.makeBuffer(.uint8, count: 30, label: "packed")
        #expect { try device.ggufDequantize(.q8_0, packed: bytes30, count: 64, into: out) } throws: {
            "\($0)" == "ggufDequantize: invalid shape: packed has 30 bytes but 64 Q8_0 values (2 blocks of 34 bytes) need 68"
        }
        #expect { try device.ggufDequantize(.q4_K, packed: bytes30, count: 300, into: out) } throws: {
            "\($0)".contains("count 300 is not a positive multiple of Q4_K's block size 256")
        }
        #expect { try device.ggufDequantize(.q8_K, packed: bytes30, count: 256, into: out) } throws: {
            "\($0)".contains("GGUF type Q8_K is not supported on devices; supported: F16, BF16, Q4_0")
        }
        #expect { try device.ggufDequantize(.f32, packed: bytes30, count: 4, into: out) } throws: {
            "\($0)".contains("GGUF type F32 is not supported on devices")
        }
        #expect { try device.ggufDequantize(.q8_0, packed: out, count: 32, into: out) } throws: {
            "\($0)".contains("has element type float32, expected uint8")
        }
        let half = try device.makeBuffer(.float16, count: 32, label: "half")
        #expect { try device.ggufDequantize(.q8_0, packed: device.makeBuffer(.uint8, count: 34, label: "p"), count: 32, into: half) } throws: {
            "\($0)".contains("has element type float16, expected float32")
        }
        #expect { try device.ggufDequantize(.q8_0, packed: device.makeBuffer(.uint8, count: 34 * 17, label: "p"), count: 544, into: out) } throws: {
            "\($0)".contains("count 544 does not fit out (512 elements)")
        }
        #expect { try GGUFWeight(type: .q8_0, shape: [2, 32], bytes: [UInt8](repeating: 0, count: 33), on: device, label: "w") } throws: {
            "\($0)" == "GGUF weight 'w': 33 bytes, but Q8_0 of shape [2, 32] needs 68"
        }
        #expect { try GGUFWeight(type: .q4_0, shape: [4, 48], bytes: [UInt8](repeating: 0, count: 108), on: device, label: "w") } throws: {
            "\($0)".contains("rows of 48 elements are not whole Q4_0 blocks of 32")
        }
        #expect { try GGUFWeight(type: .iq2_xxs, shape: [1, 256], bytes: [UInt8](repeating: 0, count: 66), on: device, label: "w") } throws: {
            "\($0)".contains("type IQ2_XXS has no device dequantization")
        }
        #expect { try GGUFWeight(type: .q8_0, shape: [1, 32], packed: out, label: "w") } throws: {
            "\($0)".contains("packed blocks must be a uint8 buffer, not float32")
        }
    }

    @Test("a Q4_K weight stays packed: 4.5 bits per parameter on the device")
    func memory() throws {
        let tensor = try GGUFFixtures.open().tensor(named: "Q4_K")
        let weight = try GGUFWeight(tensor, on: try TestDevices.host)
        #expect(weight.deviceBytes == tensor.byteCount)
        #expect(8 * Double(weight.deviceBytes) / Double(weight.elementCount) == 4.5)
    }
}

/// A LoRA layer over a GGUF base must compute exactly what the same layer computes over the
/// dequantized float32 weight: both GEMMs read the same float32 values (the scratch holds the
/// bits gguf's dequantization gives), so Y, dA, dB and dX must be identical bit for bit. Both are
/// also checked against the float64 reference `ReferenceLoRA` with the bound QLoRATests uses,
/// 2·(terms + 4)·u·Σ|term| (see `Tracked.bound`).
@Suite("QLoRA layer over a GGUF base")
struct GGUFLoRATests {
    struct Case: CustomTestStringConvertible, Sendable {
        let tensor: String
        let shape: [Int]   // out × in, a reshaping of the fixture's blocks
        let rows: Int, rank: Int
        let bias: Bool, dropout: Float
        var testDescription: String { "\(tensor) \(shape[0])×\(shape[1]) M\(rows) r\(rank)\(bias ? " bias" : "")\(dropout > 0 ? " p\(dropout)" : "")" }
    }

    static let cases = [
        Case(tensor: "Q4_0", shape: [32, 64], rows: 3, rank: 5, bias: true, dropout: 0.25),
        Case(tensor: "Q5_1", shape: [16, 128], rows: 7, rank: 4, bias: false, dropout: 0),
        Case(tensor: "Q8_0", shape: [64, 32], rows: 5, rank: 8, bias: true, dropout: 0),
        Case(tensor: "Q3_K", shape: [12, 256], rows: 3, rank: 3, bias: false, dropout: 0.1),
        Case(tensor: "Q4_K", shape: [12, 256], rows: 4, rank: 6, bias: true, dropout: 0),
        Case(tensor: "Q6_K", shape: [3, 1024], rows: 9, rank: 2, bias: false, dropout: 0.25),
    ]

    struct Layers {
        let gguf: LoRALinear, dense: LoRALinear
        let x: DeviceBuffer, dY: [Float]
        let reference: ReferenceLoRA
    }

    static func make(_ c: Case, on device: any Device) throws -> Layers {
        let tensor = try GGUFFixtures.open().tensor(named: c.tensor)
        let weight = try GGUFWeight(type: tensor.type, shape: c.shape, bytes: [UInt8](tensor.data), on: device, label: c.tensor)
        let w = try tensor.dequantized()
        let (out, inFeatures) = (c.shape[0], c.shape[1])
        var values = SeededValues(seed: 5)
        let bias = c.bias ? values.floats(out) : nil
        let a = values.floats(c.rank * inFeatures).map { $0 * 0.5 }
        let b = values.floats(out * c.rank).map { $0 * 0.5 }
        let x = values.floats(c.rows * inFeatures)
        let config = LoRAConfig(rank: c.rank, alpha: 2 * Float(c.rank), dropout: c.dropout)
        let biasBuffer = try bias.map { try device.makeBuffer($0, label: "bias") }
        let gguf = try LoRALinear(ggufWeight: weight, bias: biasBuffer, config: config, seed: 42, stream: 3)
        let dense = try LoRALinear(weight: device.makeBuffer(w, label: "W"), bias: biasBuffer, inFeatures: inFeatures, outFeatures: out,
                                   config: config, seed: 42, stream: 3)
        for layer in [gguf, dense] {
            try layer.loraA.upload(a)
            try layer.loraB.upload(b)
        }
        let mask = c.dropout > 0 ? gguf.dropoutKey(step: LoRAFixture.step).maskFactors(count: x.count, probability: c.dropout) : nil
        let reference = ReferenceLoRA(rows: c.rows, inFeatures: inFeatures, outFeatures: out, rank: c.rank, x: x, w: w, bias: bias,
                                      a: a, b: b, scale: Double(config.scale), mask: mask)
        return Layers(gguf: gguf, dense: dense, x: try device.makeBuffer(x, label: "X"), dY: values.floats(c.rows * out), reference: reference)
    }

    /// Y, dA, dB, dX of one forward and backward.
    static func run(_ layer: LoRALinear, _ l: Layers, rows: Int) throws -> [[Float]] {
        let device = layer.device
        let (y, saved) = try layer.forward(l.x, rows: rows, mode: .training(step: LoRAFixture.step))
        let dX = try device.makeBuffer(.float32, count: l.x.count, label: "dX")
        try layer.backward(outputGradient: device.makeBuffer(l.dY, label: "dY"), saved: saved!, inputGradient: dX)
        return [try y.download(), try layer.gradA.download(), try layer.gradB.download(), try dX.download()]
    }

    @Test("forward and backward equal the layer over the dequantized weight", arguments: TestDevices.all, GGUFLoRATests.cases)
    func forwardBackward(info: DeviceInfo, c: Case) throws {
        let device = try TestDevices.open(info)
        let layers = try Self.make(c, on: device)
        let overGGUF = try Self.run(layers.gguf, layers, rows: c.rows)
        let overDense = try Self.run(layers.dense, layers, rows: c.rows)
        let names = ["Y", "dA", "dB", "dX"]
        for (index, name) in names.enumerated() {
            let mismatch = firstBitDifference(overGGUF[index], overDense[index])
            #expect(mismatch == nil, "\(name) \(c.testDescription): GGUF base vs dense twin: \(mismatch ?? "")")
        }
        let terms = c.shape[0] + c.shape[1] + c.rows + c.rank
        let (dA, dB, dX) = layers.reference.gradients(dY: layers.dY)
        for (index, expected) in [layers.reference.y, dA, dB, dX].enumerated() {
            expectWithin(overGGUF[index], expected.value, bound: expected.bound(terms: terms), "\(names[index]) \(c.testDescription)")
        }
    }

    @Test("an adapter merges into a GGUF base as float32, never back into its blocks", arguments: TestDevices.all)
    func merge(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let layers = try Self.make(Self.cases[0], on: device)
        #expect { try layers.gguf.merge() } throws: { "\($0)".contains("is GGUF Q4_0: re-quantizing would lose the adapter") }
        let fromGGUF: [Float] = try layers.gguf.mergedWeight(as: .float32).download()
        let fromDense: [Float] = try layers.dense.mergedWeight(as: .float32).download()
        #expect(firstBitDifference(fromGGUF, fromDense) == nil, "merged weights differ")
    }
}
