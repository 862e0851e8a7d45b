import Foundation

/// A parsed GGUF file (versions 2 and 3, little-endian): metadata and tensors.
///
/// The whole file is checked when it is opened: counts and lengths against the file's
/// size, tensor shapes, types, offsets, alignment and overlaps, UTF-8 and duplicates.
/// Any problem throws a ``GGUFError`` naming the file, the field and the reason; bad
/// input never crashes and never makes the reader allocate by an unchecked count.
///
/// Tensor data is not copied: the file is memory-mapped and each ``GGUFTensor/data``
/// is a slice of it.
///
/// ```swift
/// let file = try GGUFFile(contentsOf: url)
/// let layers = try file.uint("llama.block_count")
/// let tokens = try file.strings("tokenizer.ggml.tokens")
/// let weights = try file.tensor(named: "blk.0.attn_q.weight").dequantized()
/// ```
public struct GGUFFile: Sendable {
    /// The name used in errors: the file's last path component, or the given label.
    public let name: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// The data alignment: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// The offset of the data section from the start of the file.
    public let dataOffset: Int
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The metadata by key.
    public let metadata: [String: GGUFMetadataValue]
    /// The tensors in file order.
    public let tensors: [GGUFTensor]
    /// The file's whole contents (memory-mapped when opened from a URL).
    public let contents: Data

    private let tensorIndex: [String: Int]

    /// The default data alignment of GGUF.
    public static let defaultAlignment = 32

    /// Opens, memory-maps and checks the GGUF file at `url`.
    public init(contentsOf url: URL) throws(GGUFError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw GGUFError(file: url.lastPathComponent, field: "file", reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, name: url.lastPathComponent)
    }

    /// Parses and checks GGUF bytes held in memory; `name` labels errors.
    public init(data: Data, name: String) throws(GGUFError) {
        let parsed: Result<GGUFParser.Layout, GGUFError> = data.withUnsafeBytes { raw in
            var parser = GGUFParser(reader: GGUFBinaryReader(raw, file: name))
            return Result { () throws(GGUFError) in try parser.parse() }
        }
        let layout = try parsed.get()
        self.name = name
        self.contents = data
        self.version = layout.version
        self.alignment = layout.alignment
        self.dataOffset = layout.dataOffset
        self.metadataKeys = layout.keys
        self.metadata = layout.metadata
        let base = data.startIndex
        self.tensors = layout.tensors.map { t in
            let start = base + layout.dataOffset + t.offset
            return GGUFTensor(name: t.name, dimensions: t.dimensions, type: t.type, offset: t.offset,
                              fileOffset: layout.dataOffset + t.offset, elementCount: t.elementCount,
                              byteCount: t.byteCount, data: data[start..<(start + t.byteCount)])
        }
        var index: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.tensorIndex = index
    }

    /// The tensor called `name`; throws when there is none.
    public func tensor(named name: String) throws(GGUFError) -> GGUFTensor {
        guard let i = tensorIndex[name] else {
            throw GGUFError(file: self.name, field: "tensor '\(name)'", reason: "no such tensor")
        }
        return tensors[i]
    }

    /// Whether the file has a tensor called `name`.
    public func hasTensor(named name: String) -> Bool { tensorIndex[name] != nil }
}
