extension GGUFParser {
    /// Reads `count` key/value pairs, refusing duplicate keys.
    mutating func readMetadata(count: Int, into layout: inout Layout) throws(GGUFError) {
        var firstIndex: [String: Int] = [:]
        for i in 0..<count {
            let key = try reader.readString("metadata key #\(i)")
            let field = "metadata key #\(i) '\(key)'"
            if let first = firstIndex[key] {
                throw reader.error(field, "duplicate key (first defined as key #\(first))")
            }
            firstIndex[key] = i
            let rawType = try reader.read(UInt32.self, field + " type")
            layout.metadata[key] = try readValue(rawType: rawType, field: field)
            layout.keys.append(key)
        }
    }

    private func valueType(_ raw: UInt32, _ field: @autoclosure () -> String) throws(GGUFError) -> GGUFValueType {
        guard let type = GGUFValueType(rawValue: raw) else {
            throw reader.error(field(), "unknown metadata value type \(raw)")
        }
        return type
    }

    /// Reads one value of the type numbered `rawType`.
    mutating func readValue(rawType: UInt32, field: String) throws(GGUFError) -> GGUFMetadataValue {
        switch try valueType(rawType, field + " type") {
        case .uint8: .uint8(try reader.read(UInt8.self, field))
        case .int8: .int8(try reader.read(Int8.self, field))
        case .uint16: .uint16(try reader.read(UInt16.self, field))
        case .int16: .int16(try reader.read(Int16.self, field))
        case .uint32: .uint32(try reader.read(UInt32.self, field))
        case .int32: .int32(try reader.read(Int32.self, field))
        case .uint64: .uint64(try reader.read(UInt64.self, field))
        case .int64: .int64(try reader.read(Int64.self, field))
        case .float32: .float32(Float(bitPattern: try reader.read(UInt32.self, field)))
        case .float64: .float64(Double(bitPattern: try reader.read(UInt64.self, field)))
        case .bool: .bool(try readBool(field))
        case .string: .string(try reader.readString(field))
        case .array: .array(try readArray(field: field, depth: 1))
        }
    }

    private mutating func readBool(_ field: @autoclosure () -> String) throws(GGUFError) -> Bool {
        let byte = try reader.read(UInt8.self, field())
        guard byte <= 1 else { throw reader.error(field(), "bool must be 0 or 1, found \(byte)") }
        return byte == 1
    }

    /// Reads an array's element type, length and elements; the length is checked against
    /// the bytes left before anything is allocated.
    mutating func readArray(field: String, depth: Int) throws(GGUFError) -> GGUFMetadataArray {
        guard depth <= Self.maxArrayDepth else {
            throw reader.error(field, "arrays nested deeper than \(Self.maxArrayDepth) levels")
        }
        let rawType = try reader.read(UInt32.self, field + " array element type")
        let type = try valueType(rawType, field + " array element type")
        let count = try reader.readCount(minimumSize: type.minimumSize, field + " array length")
        switch type {
        case .uint8: return .uint8(try reader.readArray(UInt8.self, count: count, field))
        case .int8: return .int8(try reader.readArray(Int8.self, count: count, field))
        case .uint16: return .uint16(try reader.readArray(UInt16.self, count: count, field))
        case .int16: return .int16(try reader.readArray(Int16.self, count: count, field))
        case .uint32: return .uint32(try reader.readArray(UInt32.self, count: count, field))
        case .int32: return .int32(try reader.readArray(Int32.self, count: count, field))
        case .uint64: return .uint64(try reader.readArray(UInt64.self, count: count, field))
        case .int64: return .int64(try reader.readArray(Int64.self, count: count, field))
        case .float32: return .float32(try reader.readArray(UInt32.self, count: count, field).map(Float.init(bitPattern:)))
        case .float64: return .float64(try reader.readArray(UInt64.self, count: count, field).map(Double.init(bitPattern:)))
        case .bool:
            let bytes = try reader.readArray(UInt8.self, count: count, field)
            if let bad = bytes.firstIndex(where: { $0 > 1 }) {
                throw reader.error(field + " element #\(bad)", "bool must be 0 or 1, found \(bytes[bad])")
            }
            return .bool(bytes.map { $0 == 1 })
        case .string: return .string(try readStrings(count: count, field: field))
        case .array:
            var arrays: [GGUFMetadataArray] = []
            arrays.reserveCapacity(count)
            for k in 0..<count { arrays.append(try readArray(field: field + " element #\(k)", depth: depth + 1)) }
            return .array(arrays)
        }
    }

    private mutating func readStrings(count: Int, field: String) throws(GGUFError) -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(count)
        for k in 0..<count { strings.append(try reader.readString(field + " element #\(k)")) }
        return strings
    }
}
