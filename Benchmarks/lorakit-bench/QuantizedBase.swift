import ArgumentParser
import LoRAKit
import LoRAKitGGUF

/// A frozen base format the nf4 suite measures: bitsandbytes' NF4, a llama.cpp GGUF block type,
/// or dense 16-bit storage (bfloat16, float16) widened into the scratch, each built as a
/// size×size matrix on a device together with its float32 twin.
enum QuantizedBase: CustomStringConvertible {
    case nf4
    case gguf(GGMLType)
    case dense(ElementType)

    static let defaultGGUF = "Q4_0,Q4_1,Q5_0,Q5_1,Q8_0,Q4_K,Q5_K,Q6_K"

    /// NF4 first, then the GGUF types named in `list` (comma-separated ggml names, or "none"),
    /// then the 16-bit storage types in `dense` ("bf16", "f16", comma-separated, or "none").
    static func parse(_ list: String, dense: String) throws -> [QuantizedBase] {
        let storage = try dense.lowercased() == "none" ? [] : dense.lowercased().split(separator: ",").map { name -> QuantizedBase in
            switch name {
            case "bf16": return .dense(.bfloat16)
            case "f16": return .dense(.float16)
            default: throw ValidationError("--dense takes bf16, f16 or none, not '\(name)'")
            }
        }
        guard list.lowercased() != "none" else { return [.nf4] + storage }
        let types = try list.split(separator: ",").map { name in
            guard let type = GGMLType.allCases.first(where: { $0.description == name.uppercased() }),
                  GGUFWeight.supportedTypes.contains(type) else {
                throw ValidationError("unknown or unsupported GGUF type '\(name)'; supported: "
                                      + GGUFWeight.supportedTypes.map(\.description).joined(separator: ", "))
            }
            return QuantizedBase.gguf(type)
        }
        return [.nf4] + types + storage
    }

    /// Whether a size×size matrix has rows of whole blocks (K-quants need rows of 256).
    func fits(size: Int) -> Bool {
        guard case .gguf(let type) = self else { return true }
        return size % type.blockSize == 0
    }

    var description: String {
        switch self {
        case .nf4: return "NF4"
        case .gguf(let type): return "\(type)"
        case .dense(let type): return "\(type)"
        }
    }

    /// What one built base offers the benchmarks.
    struct Built {
        let frozen: FrozenWeight
        let dense: [Float]
        let deviceBytes: Int
        let dequantize: (DeviceBuffer) throws -> Void
        /// float16 output, where the format's dequantizer has one (NF4 only).
        let dequantizeHalf: ((DeviceBuffer) throws -> Void)?
    }

    func build(size: Int, on device: any Device) throws -> Built {
        switch self {
        case .nf4:
            let tensor = try NF4Benchmark.tensor(rows: size, columns: size)
            let weight = try NF4Weight(tensor, on: device, label: "W nf4")
            return Built(frozen: .nf4(weight), dense: NF4Codec.dequantize(tensor), deviceBytes: weight.deviceBytes,
                         dequantize: weight.dequantize(into:), dequantizeHalf: weight.dequantize(into:))
        case .gguf(let type):
            let bytes = Self.syntheticBlocks(type, count: size * size)
            let weight = try GGUFWeight(type: type, shape: [size, size], bytes: bytes, on: device, label: "W \(type)")
            let dense = try bytes.withUnsafeBytes { try BlockDequantizer.dequantize(type, bytes: $0, count: size * size) }
            return Built(frozen: .gguf(weight), dense: dense, deviceBytes: weight.deviceBytes,
                         dequantize: weight.dequantize(into:), dequantizeHalf: nil)
        case .dense(let type):
            let values = (0..<(size * size)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
            let weight = type == .bfloat16 ? try device.makeBuffer(values.map { BFloat16($0) }, label: "W bf16")
                                           : try device.makeBuffer(values.map { Float16($0) }, label: "W f16")
            let widened = type == .bfloat16 ? values.map { Float(BFloat16($0)) } : values.map { Float(Float16($0)) }
            return Built(frozen: .dense(weight), dense: widened, deviceBytes: weight.byteCount,
                         dequantize: { try device.widen(weight, range: 0..<(size * size), into: $0) }, dequantizeHalf: nil)
        }
    }

    /// Blocks of pseudo-random quantized values whose float16 scales (d, and dmin or m) are all
    /// 2⁻⁷, so that no NaN, infinity or subnormal reaches the GEMMs; dequantization costs the
    /// same whatever the values.
    static func syntheticBlocks(_ type: GGMLType, count: Int) -> [UInt8] {
        let blocks = count / type.blockSize, size = type.bytesPerBlock
        var state: UInt32 = 0x9E37_79B9
        var bytes = (0..<(blocks * size)).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223   // a plain LCG: deterministic and fast
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        let scaleOffsets: [Int]
        switch type {
        case .q4_1, .q5_1, .q4_K, .q5_K: scaleOffsets = [0, 2]
        case .q2_K: scaleOffsets = [80, 82]
        case .q3_K: scaleOffsets = [108]
        case .q6_K: scaleOffsets = [208]
        case .q4_0, .q5_0, .q8_0: scaleOffsets = [0]
        default: scaleOffsets = []
        }
        for block in 0..<blocks {
            for offset in scaleOffsets {
                bytes[block * size + offset] = 0x00   // 0x2000 little-endian: 2⁻⁷
                bytes[block * size + offset + 1] = 0x20
            }
        }
        return bytes
    }
}
