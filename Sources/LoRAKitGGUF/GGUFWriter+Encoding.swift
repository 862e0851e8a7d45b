import Foundation

/// Little-endian encoding of the header, metadata and tensor infos.
extension GGUFWriter {
    /// Header, metadata, tensor infos and the padding before the data section.
    func header(alignment: Int) throws(GGUFError) -> Data {
        var out = Data()
        out.append(contentsOf: Array("GGUF".utf8))
        Self.append(UInt32(3), to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(metadataKeys.count), to: &out)
        for key in metadataKeys {
            guard let value = metadata[key] else { continue }
            Self.append(string: key, to: &out)
            Self.append(value.type.rawValue, to: &out)
            Self.append(value, to: &out)
        }
        var offset = 0
        for t in tensors {
            Self.append(string: t.name, to: &out)
            Self.append(UInt32(t.dimensions.count), to: &out)
            for d in t.dimensions { Self.append(UInt64(d), to: &out) }
            Self.append(t.type.rawValue, to: &out)
            Self.append(UInt64(offset), to: &out)
            offset += t.data.count + Self.padding(t.data.count, alignment)
        }
        out.append(Data(count: Self.padding(out.count, alignment)))
        return out
    }

    static func append<T: FixedWidthInteger>(_ value: T, to out: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    static func append(string: String, to out: inout Data) {
        let bytes = Array(string.utf8)
        append(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    /// A value without its type tag (arrays carry their element type and count).
    static func append(_ value: GGUFMetadataValue, to out: inout Data) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let v): append(string: v, to: &out)
        case .array(let a): append(array: a, to: &out)
        }
    }

    static func append(array: GGUFMetadataArray, to out: inout Data) {
        append(array.elementType.rawValue, to: &out)
        append(UInt64(array.count), to: &out)
        switch array {
        case .uint8(let a): out.append(contentsOf: a)
        case .int8(let a): for v in a { append(v, to: &out) }
        case .uint16(let a): for v in a { append(v, to: &out) }
        case .int16(let a): for v in a { append(v, to: &out) }
        case .uint32(let a): for v in a { append(v, to: &out) }
        case .int32(let a): for v in a { append(v, to: &out) }
        case .uint64(let a): for v in a { append(v, to: &out) }
        case .int64(let a): for v in a { append(v, to: &out) }
        case .float32(let a): for v in a { append(v.bitPattern, to: &out) }
        case .float64(let a): for v in a { append(v.bitPattern, to: &out) }
        case .bool(let a): for v in a { append(UInt8(v ? 1 : 0), to: &out) }
        case .string(let a): for v in a { append(string: v, to: &out) }
        case .array(let a): for v in a { append(array: v, to: &out) }
        }
    }
}
