import Foundation

/// One tensor of a GGUF file: its description and its bytes.
///
/// **Shape order.** ``dimensions`` is in GGUF/ggml order: `dimensions[0]` (ggml's `ne[0]`)
/// is the fastest-varying dimension, the length of a row. PyTorch and NumPy list the same
/// shape the other way round; ``rowMajorShape`` gives that order. A Llama
/// `blk.0.ffn_down.weight` of PyTorch shape `[576, 1536]` has `dimensions == [1536, 576]`.
public struct GGUFTensor: Sendable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// Dimensions in GGUF order (`ne[0]` first, fastest-varying); 1 to 4 entries, each ≥ 1.
    public let dimensions: [Int]
    /// The element type (block format).
    public let type: GGMLType
    /// The offset of the data from the start of the file's data section (as stored).
    public let offset: Int
    /// The offset of the data from the start of the file.
    public let fileOffset: Int
    /// The number of elements (product of the dimensions).
    public let elementCount: Int
    /// The number of bytes of data.
    public let byteCount: Int
    /// The tensor's bytes: a slice of the file's memory-mapped contents, not a copy.
    /// Its indices are those of the whole file; use `withUnsafeBytes` or ``withUnsafeBytes(_:)``.
    public let data: Data

    /// The shape in row-major (PyTorch/NumPy) order: ``dimensions`` reversed.
    public var rowMajorShape: [Int] { dimensions.reversed() }

    /// Calls `body` with the tensor's bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try data.withUnsafeBytes(body)
    }

    /// The tensor dequantized to floats, as `gguf.quants.dequantize` computes them, in
    /// memory order (row-major for ``rowMajorShape``).
    public func dequantized() throws(GGUFError) -> [Float] {
        try BlockDequantizer.dequantize(type, data: data, count: elementCount, label: name)
    }

    /// Dequantizes the tensor into `destination` (at least ``elementCount`` floats), e.g.
    /// straight into a staging buffer, without an intermediate array.
    public func dequantize(into destination: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        let result: Result<Void, GGUFError> = data.withUnsafeBytes { raw in
            Result { () throws(GGUFError) in
                try BlockDequantizer.dequantize(type, bytes: raw, count: elementCount, into: destination, label: name)
            }
        }
        try result.get()
    }
}
