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
    public convenience init(_ tensor: NF4Tensor, on device: any Device, label: String) throws {
        try self.init(packed: device.makeBuffer(tensor.packed, label: "\(label) (nf4 codes)"), statistics: tensor.absmax,
                      shape: tensor.shape, blockSize: tensor.blockSize, label: label, absmaxBuffer: nil,
                      originalDType: tensor.originalDType)
    }

    /// Wraps codes already on the device; uploads the (host) statistics.
    init(packed: DeviceBuffer, statistics: NF4Tensor.Absmax, shape: [Int], blockSize: Int, label: String,
         absmaxBuffer: DeviceBuffer?, originalDType: SafeTensorsDType = .f32) throws {
        let device = packed.device
        self.device = device
        self.shape = shape
        self.blockSize = blockSize
        self.originalDType = originalDType
        self.label = label
        self.packed = packed
        switch statistics {
        case .plain(let values):
            self.statistics = .plain(absmax: try absmaxBuffer ?? device.makeBuffer(values, label: "\(label).absmax"))
        case .doubleQuantized(let nested):
            self.statistics = .nested(codes: try device.makeBuffer(nested.codes, label: "\(label).absmax (codes)"),
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

extension NF4Weight {
    /// Quantizes float32 `values` (already on `values.device`) on that device, bit for bit as
    /// `NF4Codec.quantize` (and bitsandbytes) would; the absmax values are double-quantized on
    /// the host. Returns the device-resident weight.
    public static func quantize(_ values: DeviceBuffer, shape: [Int], blockSize: Int = 64, doubleQuantize: Bool = true,
                                label: String) throws -> NF4Weight {
        let device = values.device
        guard shape.reduce(1, *) == values.count else {
            throw QuantizationError.invalidShape("\(values.count) values do not fill shape \(shape)")
        }
        try NF4Tensor.checkBlockSize(blockSize)
        let packed = try device.makeBuffer(.uint8, count: (values.count + 1) / 2, label: "\(label) (nf4 codes)")
        let absmax = try device.makeBuffer(.float32, count: (values.count + blockSize - 1) / blockSize, label: "\(label).absmax")
        try device.nf4Quantize(values, blockSize: blockSize, packed: packed, absmax: absmax)
        let blockAbsmax: [Float] = try absmax.download()
        if let bad = blockAbsmax.firstIndex(where: { !$0.isFinite }) {
            throw QuantizationError.nonFiniteInput(index: bad * blockSize, value: blockAbsmax[bad])
        }
        let statistics: NF4Tensor.Absmax = doubleQuantize ? .doubleQuantized(.quantize(blockAbsmax)) : .plain(blockAbsmax)
        return try NF4Weight(packed: packed, statistics: statistics, shape: shape, blockSize: blockSize, label: label,
                             absmaxBuffer: doubleQuantize ? nil : absmax)
    }

    /// The host copy of this weight, e.g. to write a checkpoint.
    public func download() throws -> NF4Tensor {
        let absmax: NF4Tensor.Absmax
        switch statistics {
        case .plain(let buffer):
            absmax = .plain(try buffer.download())
        case let .nested(codes, map, scales, offset, blockSize):
            absmax = .doubleQuantized(DoubleQuantizedAbsmax(codes: try codes.download(), scales: try scales.download(), offset: offset,
                                                            map: try map.download(), blockSize: blockSize))
        }
        return try NF4Tensor(shape: shape, blockSize: blockSize, packed: try packed.download(), absmax: absmax, originalDType: originalDType)
    }
}
