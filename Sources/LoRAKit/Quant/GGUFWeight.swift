import LoRAKitGGUF

/// A matrix in one of llama.cpp's quantized block formats (Q4_0 … Q6_K, or F16/BF16), resident
/// on a device exactly as the GGUF file stores it: the packed blocks, never a float copy.
/// `dequantize(into:)` expands it on the device, bit for bit as the `gguf` Python package does,
/// which is how a `LoRALinear` trains an adapter over a GGUF base (QLoRA over GGUF).
public final class GGUFWeight {
    /// The device holding the packed blocks.
    public let device: any Device
    /// The block format.
    public let type: GGMLType
    /// Row-major (PyTorch) shape, rows × columns: a GGUF tensor's dimensions reversed.
    public let shape: [Int]
    /// Names the weight in errors and buffer labels (usually the GGUF tensor's name).
    public let label: String
    let packed: DeviceBuffer

    /// The types devices can dequantize.
    public static var supportedTypes: [GGMLType] { GGUFContract.supportedTypes }

    /// The product of `shape` (rows × columns for a matrix).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Bytes this weight occupies on the device (the packed blocks).
    public var deviceBytes: Int { packed.byteCount }

    /// Uploads the packed `bytes` of a `type` tensor of row-major `shape` to `device`.
    ///
    /// - Throws: `QuantizationError.invalidGGUFWeight` when the type has no device
    ///   dequantization, a row is not a whole number of blocks (GGUF's own rule), or the byte
    ///   count is not what the shape needs.
    public convenience init(type: GGMLType, shape: [Int], bytes: [UInt8], on device: any Device, label: String) throws {
        try Self.validate(type: type, shape: shape, byteCount: bytes.count, label: label)
        try self.init(checked: type, shape: shape, packed: device.makeBuffer(bytes, label: "\(label) (\(type) blocks)"), label: label)
    }

    /// Uploads a tensor read from a GGUF file; `label` defaults to the tensor's name.
    public convenience init(_ tensor: GGUFTensor, on device: any Device, label: String? = nil) throws {
        try self.init(type: tensor.type, shape: tensor.rowMajorShape, bytes: [UInt8](tensor.data), on: device,
                      label: label ?? tensor.name)
    }

    /// Wraps packed blocks already on a device (a uint8 buffer).
    public convenience init(type: GGMLType, shape: [Int], packed: DeviceBuffer, label: String) throws {
        guard packed.elementType == .uint8 else {
            throw QuantizationError.invalidGGUFWeight("'\(label)': packed blocks must be a uint8 buffer, not \(packed.elementType)")
        }
        try Self.validate(type: type, shape: shape, byteCount: packed.count, label: label)
        self.init(checked: type, shape: shape, packed: packed, label: label)
    }

    private init(checked type: GGMLType, shape: [Int], packed: DeviceBuffer, label: String) {
        self.device = packed.device
        self.type = type
        self.shape = shape
        self.label = label
        self.packed = packed
    }

    static func validate(type: GGMLType, shape: [Int], byteCount: Int, label: String) throws {
        guard GGUFContract.supportedTypes.contains(type) else {
            throw QuantizationError.invalidGGUFWeight("'\(label)': type \(type) has no device dequantization; supported: "
                                                      + GGUFContract.supportedTypes.map(\.description).joined(separator: ", "))
        }
        guard let columns = shape.last, shape.allSatisfy({ $0 >= 1 }) else {
            throw QuantizationError.invalidGGUFWeight("'\(label)': shape \(shape) must have at least one dimension, all positive")
        }
        guard columns % type.blockSize == 0 else {
            throw QuantizationError.invalidGGUFWeight("'\(label)': rows of \(columns) elements are not whole \(type) blocks of \(type.blockSize)")
        }
        let (elements, overflow) = shape.reduce((1, false)) { partial, n in
            let (product, o) = partial.0.multipliedReportingOverflow(by: n)
            return (product, partial.1 || o)
        }
        guard !overflow, let needed = type.byteCount(elements: elements) else {
            throw QuantizationError.invalidGGUFWeight("'\(label)': shape \(shape) is too large")
        }
        guard byteCount == needed else {
            throw QuantizationError.invalidGGUFWeight("'\(label)': \(byteCount) bytes, but \(type) of shape \(shape) needs \(needed)")
        }
    }

    /// Writes the dequantized matrix (float32) into the first `elementCount` elements of `out`.
    public func dequantize(into out: DeviceBuffer) throws {
        try device.ggufDequantize(type, packed: packed, count: elementCount, into: out)
    }

    /// The packed blocks, copied back from the device (bytes as in the GGUF file).
    public func download() throws -> [UInt8] { try packed.download() }
}
