/// A matrix quantized to NF4 in bitsandbytes' layout, held on the host.
///
/// The row-major values are cut into blocks of `blockSize`; each block stores its absolute maximum
/// and each value the index of the nearest NF4 code of value/absmax, two per byte with the
/// even-index element in the high nibble. With double quantization the absmax values themselves
/// are stored as 8-bit codes of bitsandbytes' dynamic map, in blocks of 256, minus their mean.
public struct NF4Tensor: Sendable, Equatable {
    /// The original shape (e.g. [out, in]); the product is the element count.
    public let shape: [Int]
    public let blockSize: Int
    /// ⌈n/2⌉ bytes: byte j holds element 2j in its high nibble and 2j+1 in its low one.
    public let packed: [UInt8]
    public let absmax: Absmax
    /// The dtype the values had before quantization, which dequantization returns to by default
    /// (bitsandbytes records it in the quant state).
    public let originalDType: SafeTensorsDType

    public enum Absmax: Sendable, Equatable {
        /// One float32 absmax per block.
        case plain([Float])
        case doubleQuantized(DoubleQuantizedAbsmax)
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var blockCount: Int { (elementCount + blockSize - 1) / blockSize }

    public init(shape: [Int], blockSize: Int, packed: [UInt8], absmax: Absmax, originalDType: SafeTensorsDType) throws {
        try NF4Tensor.checkBlockSize(blockSize)
        guard shape.allSatisfy({ $0 >= 1 }), let count = TensorShape.elementCount(shape) else {
            throw QuantizationError.invalidShape("shape \(shape) must have positive dimensions and an addressable element count")
        }
        guard packed.count == count / 2 + count % 2 else {
            throw QuantizationError.invalidShape("packed data has \(packed.count) bytes but shape \(shape) needs \(count / 2 + count % 2)")
        }
        let blocks = (count + blockSize - 1) / blockSize
        switch absmax {
        case .plain(let values):
            guard values.count == blocks else {
                throw QuantizationError.invalidShape("\(values.count) absmax values for \(blocks) blocks of \(blockSize)")
            }
        case .doubleQuantized(let nested):
            guard nested.codes.count == blocks else {
                throw QuantizationError.invalidShape("\(nested.codes.count) quantized absmax values for \(blocks) blocks of \(blockSize)")
            }
            // Division first: a hostile nested block size near Int.max must not overflow.
            let nestedBlocks = blocks / nested.blockSize + (blocks % nested.blockSize == 0 ? 0 : 1)
            guard nested.scales.count == nestedBlocks else {
                throw QuantizationError.invalidShape("\(nested.scales.count) nested absmax values for \(nestedBlocks) nested blocks of \(nested.blockSize)")
            }
            guard nested.map.count == 256 else { throw QuantizationError.invalidShape("nested quant map has \(nested.map.count) values, not 256") }
        }
        guard [.f32, .f16, .bf16].contains(originalDType) else {
            throw QuantizationError.unsupported("original dtype \(originalDType.rawValue); bitsandbytes quantizes F32, F16 and BF16")
        }
        self.shape = shape
        self.blockSize = blockSize
        self.packed = packed
        self.absmax = absmax
        self.originalDType = originalDType
    }

    /// bitsandbytes accepts powers of two from 32 to 4096.
    public static func checkBlockSize(_ blockSize: Int) throws {
        guard (32...4096).contains(blockSize), blockSize & (blockSize - 1) == 0 else {
            throw QuantizationError.invalidBlockSize(blockSize)
        }
    }

    /// The float32 absmax of every block (dequantizing the nested codes if needed).
    public var blockAbsmax: [Float] {
        switch absmax {
        case .plain(let values): return values
        case .doubleQuantized(let nested): return nested.dequantized()
        }
    }

    /// Bytes of the quantized representation (codes plus statistics), for memory reports.
    public var storageBytes: Int {
        switch absmax {
        case .plain(let values): return packed.count + 4 * values.count + 64
        case .doubleQuantized(let nested): return packed.count + nested.codes.count + 4 * nested.scales.count + 4 * 256 + 64 + 4
        }
    }
}

/// Absmax values quantized to 8 bits: value i ≈ map[codes[i]]·scales[i / blockSize] + offset.
public struct DoubleQuantizedAbsmax: Sendable, Equatable {
    public let codes: [UInt8]
    /// The float32 absmax of each nested block ("nested_absmax").
    public let scales: [Float]
    /// The mean subtracted before quantizing ("nested_offset").
    public let offset: Float
    /// The 256-value code book ("nested_quant_map"); bitsandbytes' signed dynamic map.
    public let map: [Float]
    public let blockSize: Int

    public init(codes: [UInt8], scales: [Float], offset: Float, map: [Float] = NF4Codebook.dynamicMap, blockSize: Int = 256) {
        self.codes = codes
        self.scales = scales
        self.offset = offset
        self.map = map
        self.blockSize = blockSize
    }

    /// As bitsandbytes computes it: the product in float32, then the offset added.
    public func dequantized() -> [Float] {
        codes.indices.map { i in map[Int(codes[i])] * scales[i / blockSize] + offset }
    }
}

/// Errors of quantization and of quantized checkpoints.
public enum QuantizationError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidBlockSize(Int)
    case invalidShape(String)
    case nonFiniteInput(index: Int, value: Float)
    case unsupported(String)
    /// A GGUF weight whose type, shape or byte count does not fit (see `GGUFWeight`).
    case invalidGGUFWeight(String)

    public var description: String {
        switch self {
        case .invalidBlockSize(let size): return "NF4 block size \(size) is not a power of two from 32 to 4096"
        case .invalidShape(let detail): return "NF4 tensor: \(detail)"
        case .nonFiniteInput(let index, let value): return "cannot quantize: element \(index) is \(value)"
        case .unsupported(let detail): return "unsupported: \(detail)"
        case .invalidGGUFWeight(let detail): return "GGUF weight \(detail)"
        }
    }
}
