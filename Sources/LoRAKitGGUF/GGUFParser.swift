/// Reads and checks the header, metadata and tensor infos of a GGUF file.
///
/// Works on raw bytes only and produces a checked ``Layout``; ``GGUFFile`` turns that
/// into the public types.
struct GGUFParser {
    var reader: GGUFBinaryReader

    struct TensorEntry {
        let name: String
        let dimensions: [Int]
        let type: GGMLType
        let offset: Int
        let elementCount: Int
        var byteCount: Int = 0
    }

    struct Layout {
        var version: UInt32 = 0
        var keys: [String] = []
        var metadata: [String: GGUFMetadataValue] = [:]
        var tensors: [TensorEntry] = []
        var alignment = GGUFFile.defaultAlignment
        var dataOffset = 0
    }

    /// Deepest nesting of arrays in metadata: real files use at most 2; the limit keeps
    /// the recursion bounded on hostile input.
    static let maxArrayDepth = 16

    /// Smallest encoded metadata entry: key length (8), type (4), one-byte value.
    static let minimumKeyValueSize = 13
    /// Smallest encoded tensor info: name length (8), dims count (4), one dim (8), type (4), offset (8).
    static let minimumTensorInfoSize = 32

    mutating func parse() throws(GGUFError) -> Layout {
        var layout = Layout()
        layout.version = try readHeaderStart()
        let tensorCount = try reader.readCount(minimumSize: Self.minimumTensorInfoSize, "header tensor count")
        let keyCount = try reader.readCount(minimumSize: Self.minimumKeyValueSize, "header metadata count")
        try readMetadata(count: keyCount, into: &layout)
        layout.alignment = try alignment(layout.metadata)
        layout.tensors = try readTensorInfos(count: tensorCount)
        let end = reader.offset
        layout.dataOffset = (end + layout.alignment - 1) / layout.alignment * layout.alignment
        try checkTensorData(&layout)
        return layout
    }

    /// Magic and version; refuses big-endian files and versions other than 2 and 3.
    private mutating func readHeaderStart() throws(GGUFError) -> UInt32 {
        try reader.require(4, "header magic")
        let magic = Array(reader.base[0..<4])
        guard magic == Array("GGUF".utf8) else {
            let hex = magic.map { String($0, radix: 16) }.joined(separator: " ")
            throw reader.error("header magic", "not a GGUF file: expected 'GGUF' (47 47 55 46), found \(hex)")
        }
        try reader.skip(4, "header magic")
        let version = try reader.read(UInt32.self, "header version")
        if version == 2 || version == 3 { return version }
        if version & 0xFFFF == 0, [1, 2, 3].contains(version.byteSwapped) {
            throw reader.error("header version", "big-endian GGUF file (version \(version.byteSwapped)); only little-endian files are supported")
        }
        throw reader.error("header version", "unsupported version \(version) (supported: 2, 3)")
    }

    /// `general.alignment`: a uint32 power of two when present, else 32.
    private func alignment(_ metadata: [String: GGUFMetadataValue]) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return GGUFFile.defaultAlignment }
        guard case .uint32(let a) = value else {
            throw reader.error("metadata key 'general.alignment'", "must be uint32, found \(value.typeDescription)")
        }
        guard a != 0, a & (a - 1) == 0 else {
            throw reader.error("metadata key 'general.alignment'", "\(a) is not a non-zero power of two")
        }
        return Int(a)
    }
}
