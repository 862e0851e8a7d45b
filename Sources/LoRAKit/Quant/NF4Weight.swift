/// An NF4 matrix resident on a device: the packed codes and the (possibly double-quantized)
/// block statistics, about 4.1 bits per parameter. `dequantize(into:)` expands it on the device.
public final class NF4Weight {
    public let device: any Device
    public let shape: [Int]
    public let blockSize: Int
    public let originalDType: SafeTensorsDType
    public let label: String
    let packed: DeviceBuffer
    let statistics: Statistics

    enum Statistics {
        case plain(absmax: DeviceBuffer)
        case nested(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float, blockSize: Int)
    }

    public var elementCount: Int { shape.reduce(1, *) }
    var blockCount: Int { (elementCount + blockSize - 1) / blockSize }

    /// Uploads `tensor` to `device`.
    public init(_ tensor: NF4Tensor, on device: any Device, label: String) throws {
        self.device = device
        shape = tensor.shape
        blockSize = tensor.blockSize
        originalDType = tensor.originalDType
        self.label = label
        packed = try device.makeBuffer(tensor.packed, label: "\(label) (nf4 codes)")
        switch tensor.absmax {
        case .plain(let values):
            statistics = .plain(absmax: try device.makeBuffer(values, label: "\(label).absmax"))
        case .doubleQuantized(let nested):
            statistics = .nested(codes: try device.makeBuffer(nested.codes, label: "\(label).absmax (codes)"),
                                 map: try device.makeBuffer(nested.map, label: "\(label).nested_quant_map"),
                                 scales: try device.makeBuffer(nested.scales, label: "\(label).nested_absmax"),
                                 offset: nested.offset, blockSize: nested.blockSize)
        }
    }

    /// Bytes this weight occupies on the device.
    public var deviceBytes: Int {
        switch statistics {
        case .plain(let absmax): return packed.byteCount + absmax.byteCount
        case let .nested(codes, map, scales, _, _): return packed.byteCount + codes.byteCount + map.byteCount + scales.byteCount
        }
    }

    /// Writes the dequantized matrix (float32 or float16) into the first `elementCount` elements of `out`.
    public func dequantize(into out: DeviceBuffer) throws {
        switch statistics {
        case .plain(let absmax):
            try device.nf4Dequantize(packed: packed, absmax: absmax, blockSize: blockSize, count: elementCount, into: out)
        case let .nested(codes, map, scales, offset, nestedBlockSize):
            // The float32 absmax is small (one value per block) and rebuilt each time, so the
            // saving of double quantization holds on the device too.
            let absmax = try device.makeBuffer(.float32, count: blockCount, label: "\(label).absmax (dequantized)")
            try device.nf4DequantizeAbsmax(codes: codes, map: map, scales: scales, offset: offset,
                                           nestedBlockSize: nestedBlockSize, into: absmax)
            try device.nf4Dequantize(packed: packed, absmax: absmax, blockSize: blockSize, count: elementCount, into: out)
        }
    }
}
