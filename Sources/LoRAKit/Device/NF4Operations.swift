/// Operations of NF4 quantization (`NF4Contract`; see `NF4Weight`, which combines them).
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol NF4Operations: DeviceCore {
    /// Rebuilds double-quantized absmax values: `absmax[i] = map[codes[i]]·scales[i / nestedBlockSize] + offset`
    /// (codes uint8, map 256 float32, scales float32), product and sum rounded separately as in bitsandbytes.
    func nf4DequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float,
                             nestedBlockSize: Int, into absmax: DeviceBuffer) throws
    /// `out[i] = code[nibble i of packed]·absmax[i / blockSize]` for i < count (out may be larger,
    /// e.g. a reused scratch buffer); out is float32 or float16 (rounded to nearest even).
    func nf4Dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, into out: DeviceBuffer) throws
    /// Quantizes float32 `values` to NF4 with bitsandbytes' rules: packed codes (⌈n/2⌉ uint8) and
    /// one float32 absmax per block. Double quantization of the absmax happens on the host
    /// (`NF4Weight.quantize`), since the absmax is 1/blockSize of the data.
    func nf4Quantize(_ values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension NF4Operations {
    public func nf4DequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float,
                                    nestedBlockSize: Int, into absmax: DeviceBuffer) throws {
        throw DeviceError.unsupported(.nf4DequantizeAbsmax, on: info.identifier)
    }

    public func nf4Dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.nf4Dequantize, on: info.identifier)
    }

    public func nf4Quantize(_ values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer) throws {
        throw DeviceError.unsupported(.nf4Quantize, on: info.identifier)
    }
}
