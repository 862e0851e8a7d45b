import LoRAKitGGUF

/// Operations of GGUF's block formats (`GGUFContract`; see `GGUFWeight`, which uses it).
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol GGUFOperations: DeviceCore {
    /// Dequantizes the first `count` elements of a packed GGUF tensor of llama.cpp block type
    /// `type` (uint8, exactly count / blockSize · bytesPerBlock bytes, blocks in file order) into
    /// float32 `out` (which may be larger, e.g. a reused scratch buffer). `count` is a whole
    /// number of blocks. Bit for bit the `gguf` Python package's `gguf.quants.dequantize`
    /// (float32 arithmetic in its order, no fused multiply-add). Types: F16, BF16, Q4_0, Q4_1,
    /// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
    func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension GGUFOperations {
    public func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.ggufDequantize, on: info.identifier)
    }
}
