import Foundation
import LoRAKit
import Testing

/// The fixtures of `Fixtures/make_nf4_fixtures.py`, made by bitsandbytes 0.50.2 on the CPU.
enum NF4Fixtures {
    static let names = ["round_64x64_b64_dq", "round_64x64_b64", "odd_37x29_b64_dq_f16", "odd_37x29_b128_bf16",
                        "nested_256x130_b64_dq", "block32_33x17_dq", "block4096_64x100", "special_4x64_b64_dq", "special_4x64_b64"]

    static func file(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: Fixtures.url("nf4/\(name).safetensors"))
    }
}

/// Rounds float32 to the storage type bitsandbytes returned (nearest even), as bit patterns.
func storageBits(_ values: [Float], _ dtype: SafeTensorsDType) -> [UInt32] {
    switch dtype {
    case .f16: return values.map { UInt32(Float16($0).bitPattern) }
    case .bf16: return values.map { value in
        let bits = value.bitPattern
        return (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
    }
    default: return values.map(\.bitPattern)
    }
}

@Suite("NF4 (bitsandbytes-compatible)")
struct NF4Tests {
    @Test("quantize equals bitsandbytes bit for bit: packed codes, absmax, nested statistics", arguments: NF4Fixtures.names)
    func quantizeMatchesBitsAndBytes(name: String) throws {
        let file = try NF4Fixtures.file(name)
        let theirs = try BitsAndBytesCheckpoint.load("weight", from: file)
        let input = try file.info("input")
        let values = try file.floats("input")
        let ours = try NF4Codec.quantize(values, shape: input.shape, blockSize: theirs.blockSize, doubleQuantize: false,
                                         originalDType: input.dtype)
        #expect(ours.packed == theirs.packed, "packed codes differ at byte \(zip(ours.packed, theirs.packed).enumerated().first { $1.0 != $1.1 }?.offset ?? -1)")
        guard case .plain(let absmax) = ours.absmax else { Issue.record("plain quantization gave nested absmax"); return }
        switch theirs.absmax {
        case .plain(let b):
            #expect(absmax.map(\.bitPattern) == b.map(\.bitPattern))
            #expect(ours == theirs)
        case .doubleQuantized(let b):
            // The offset is torch's float32 mean, whose last bit depends on the CPU's vector
            // width: ours must be within one ulp, and with theirs every code must agree exactly.
            let withOurOffset = try NF4Codec.quantize(values, shape: input.shape, blockSize: theirs.blockSize, originalDType: input.dtype)
            guard case .doubleQuantized(let mine) = withOurOffset.absmax else { Issue.record("no double quantization"); return }
            #expect(abs(mine.offset - b.offset) <= b.offset.ulp, "offset \(mine.offset) vs \(b.offset)")
            let a = DoubleQuantizedAbsmax.quantize(absmax, offset: b.offset)
            #expect(a.scales.map(\.bitPattern) == b.scales.map(\.bitPattern), "nested absmax \(a.scales) vs \(b.scales)")
            #expect(a.codes == b.codes, "absmax codes differ at \(zip(a.codes, b.codes).enumerated().first { $1.0 != $1.1 }?.offset ?? -1)")
            #expect(a.map.map(\.bitPattern) == b.map.map(\.bitPattern), "dynamic map")
            #expect(a == b)
        }
    }

    @Test("dequantize equals bitsandbytes", arguments: NF4Fixtures.names)
    func dequantizeMatchesBitsAndBytes(name: String) throws {
        let file = try NF4Fixtures.file(name)
        let tensor = try BitsAndBytesCheckpoint.load("weight", from: file)
        let expected = try file.floats("dequantized")
        let dtype = try file.info("dequantized").dtype
        #expect(storageBits(NF4Codec.dequantize(tensor), dtype) == storageBits(expected, dtype))
    }

    @Test("writing a checkpoint reproduces bitsandbytes' tensors", arguments: NF4Fixtures.names)
    func checkpointRoundTrip(name: String) throws {
        let file = try NF4Fixtures.file(name)
        let tensor = try BitsAndBytesCheckpoint.load("weight", from: file)
        var writer = SafeTensorsWriter()
        for part in try BitsAndBytesCheckpoint.tensors(for: tensor, name: "weight") { try writer.add(part) }
        let written = try SafeTensorsFile(data: try writer.serialized(), path: "written")
        #expect(try BitsAndBytesCheckpoint.load("weight", from: written) == tensor)
        for info in written.tensors where !info.name.hasSuffix("bitsandbytes__nf4") {
            #expect(try written.bytes(info.name) == file.bytes(info.name), "\(info.name)")
            #expect(info.shape == (try file.info(info.name).shape), "\(info.name) shape")
        }
    }

    @Test("bad input: block size, non-finite values, shapes, unknown quant type, truncated checkpoint")
    func badInput() throws {
        #expect(throws: QuantizationError.invalidBlockSize(48)) { try NF4Codec.quantize([1, 2], shape: [2], blockSize: 48) }
        #expect(throws: QuantizationError.invalidBlockSize(8192)) { try NF4Codec.quantize([1, 2], shape: [2], blockSize: 8192) }
        #expect(throws: QuantizationError.nonFiniteInput(index: 1, value: .infinity)) { try NF4Codec.quantize([1, .infinity], shape: [2]) }
        #expect(throws: QuantizationError.self) { try NF4Codec.quantize([1, 2, 3], shape: [2, 2]) }

        let file = try NF4Fixtures.file("odd_37x29_b128_bf16")
        func rewritten(_ change: (inout [SafeTensorsWriter.Tensor]) -> Void) throws -> SafeTensorsFile {
            var parts = try file.tensors.map { SafeTensorsWriter.Tensor(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: try file.bytes($0.name)) }
            change(&parts)
            var writer = SafeTensorsWriter()
            for part in parts { try writer.add(part) }
            return try SafeTensorsFile(data: try writer.serialized(), path: "bad.safetensors")
        }
        func replaceState(_ json: String) throws -> SafeTensorsFile {
            try rewritten { parts in
                parts.removeAll { $0.name.hasSuffix("bitsandbytes__nf4") }
                parts.append(.init(name: "weight.quant_state.bitsandbytes__nf4", dtype: .u8, shape: [json.utf8.count], bytes: Data(json.utf8)))
            }
        }
        let wrongShape = try replaceState(#"{"quant_type":"nf4","blocksize":128,"dtype":"bfloat16","shape":[37,30]}"#)
        #expect { try BitsAndBytesCheckpoint.load("weight", from: wrongShape) } throws: {
            "\($0)" == "bad.safetensors: tensor 'weight': packed weight has 537 bytes but the state's shape [37, 30] needs 555"
        }
        let fp4 = try replaceState(#"{"quant_type":"fp4","blocksize":128,"dtype":"bfloat16","shape":[37,29]}"#)
        #expect { try BitsAndBytesCheckpoint.load("weight", from: fp4) } throws: { "\($0)".contains("quant_type 'fp4' is not supported") }
        let badBlock = try replaceState(#"{"quant_type":"nf4","blocksize":100,"dtype":"bfloat16","shape":[37,29]}"#)
        #expect { try BitsAndBytesCheckpoint.load("weight", from: badBlock) } throws: { "\($0)".contains("block size 100 is not a power of two") }
        let badJSON = try replaceState("{not json")
        #expect { try BitsAndBytesCheckpoint.load("weight", from: badJSON) } throws: { "\($0)".contains("quant state JSON is malformed") }
        let fewAbsmax = try rewritten { parts in
            parts.removeAll { $0.name == "weight.absmax" }
            parts.append(.init(name: "weight.absmax", shape: [8], floats: [Float](repeating: 1, count: 8)))
        }
        #expect { try BitsAndBytesCheckpoint.load("weight", from: fewAbsmax) } throws: { "\($0)".contains("8 absmax values for 9 blocks of 128") }

        let bytes = try Data(contentsOf: Fixtures.url("nf4/odd_37x29_b128_bf16.safetensors"))
        #expect { try SafeTensorsFile(data: bytes.dropLast(100), path: "cut.safetensors") } throws: { "\($0)".contains("truncated") }
    }

    @Test("device dequantization equals bitsandbytes bit for bit (float32 and float16 out)", arguments: TestDevices.all)
    func deviceDequantize(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for name in NF4Fixtures.names {
            let file = try NF4Fixtures.file(name)
            let tensor = try BitsAndBytesCheckpoint.load("weight", from: file)
            let expected = NF4Codec.dequantize(tensor)
            let weight = try NF4Weight(tensor, on: device, label: name)
            let out32 = try device.makeBuffer(.float32, count: tensor.elementCount, label: "out32")
            try weight.dequantize(into: out32)
            #expect(try out32.download(as: Float.self).map(\.bitPattern) == expected.map(\.bitPattern), "\(name) float32")
            let out16 = try device.makeBuffer(.float16, count: tensor.elementCount, label: "out16")
            try weight.dequantize(into: out16)
            #expect(try out16.download(as: Float16.self).map(\.bitPattern) == expected.map { Float16($0).bitPattern }, "\(name) float16")
        }
    }

    @Test("device dequantization rejects mismatched operands", arguments: TestDevices.all)
    func deviceBadInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let packed = try device.makeBuffer(.uint8, count: 10, label: "packed")
        let absmax = try device.makeBuffer(.float32, count: 1, label: "absmax")
        #expect { try device.nf4Dequantize(packed: packed, absmax: absmax, blockSize: 64, count: 30, into: try device.makeBuffer(.float32, count: 30, label: "out")) } throws: {
            "\($0)".contains("packed has 10 bytes but 30 values need 15")
        }
        #expect { try device.nf4Dequantize(packed: packed, absmax: absmax, blockSize: 8, count: 20, into: try device.makeBuffer(.float32, count: 20, label: "out")) } throws: {
            "\($0)".contains("absmax has 1 values but 20 values in blocks of 8 need 3")
        }
        #expect { try device.nf4Dequantize(packed: absmax, absmax: absmax, blockSize: 64, count: 2, into: try device.makeBuffer(.float32, count: 2, label: "out")) } throws: {
            "\($0)".contains("expected uint8")
        }
    }

    @Test("NF4 memory: about 4.127 bits per parameter with double quantization, 4.5 without")
    func bitsPerParameter() throws {
        var values = SeededValues(seed: 4)
        let weights = values.floats(4096 * 256)
        let double = try NF4Codec.quantize(weights, shape: [256, 4096], doubleQuantize: true)
        let plain = try NF4Codec.quantize(weights, shape: [256, 4096], doubleQuantize: false)
        let bits = { (t: NF4Tensor) in 8 * Double(t.storageBytes) / Double(weights.count) }
        #expect(abs(bits(double) - 4.127) < 0.01 && abs(bits(plain) - 4.5) < 0.01, "\(bits(double)) and \(bits(plain)) bits per parameter")
    }
}

@Suite("NF4 quantization on devices")
struct NF4DeviceQuantizationTests {
    @Test("quantizing on the device equals bitsandbytes bit for bit", arguments: TestDevices.all)
    func quantizeOnDevice(info: DeviceInfo) throws { try Self.checkQuantize(on: TestDevices.open(info)) }

    static func checkQuantize(on device: any Device) throws {
        for name in NF4Fixtures.names {
            let file = try NF4Fixtures.file(name)
            let theirs = try BitsAndBytesCheckpoint.load("weight", from: file)
            let values = try device.makeBuffer(try file.floats("input"), label: "input")
            let weight = try NF4Weight.quantize(values, shape: theirs.shape, blockSize: theirs.blockSize, doubleQuantize: false, label: name)
            let ours = try weight.download()
            #expect(ours.packed == theirs.packed, "\(name): packed codes")
            if case .plain(let b) = theirs.absmax, case .plain(let a) = ours.absmax {
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(name): absmax")
            } else if case .plain(let a) = ours.absmax, case .doubleQuantized(let b) = theirs.absmax {
                let nested = DoubleQuantizedAbsmax.quantize(a, offset: b.offset)
                #expect(nested == b, "\(name): double-quantized absmax from the device's absmax")
            }
        }
    }

    @Test("device quantization rejects bad operands", arguments: TestDevices.all)
    func badInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let values = try device.makeBuffer(.float32, count: 100, label: "values")
        #expect { try device.nf4Quantize(values, blockSize: 48, packed: device.makeBuffer(.uint8, count: 50, label: "p"),
                                          absmax: device.makeBuffer(.float32, count: 3, label: "a")) } throws: {
            "\($0)".contains("block size 48 is not a power of two")
        }
        #expect { try device.nf4Quantize(values, blockSize: 64, packed: device.makeBuffer(.uint8, count: 49, label: "p"),
                                          absmax: device.makeBuffer(.float32, count: 2, label: "a")) } throws: {
            "\($0)".contains("packed has 49 bytes but 100 values need 50")
        }
        #expect(throws: QuantizationError.self) { try NF4Weight.quantize(values, shape: [7, 7], label: "w") }
    }
}
