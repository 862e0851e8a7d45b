/// One GGUF metadata value.
///
/// Arrays keep their elements in typed Swift arrays (see ``GGUFMetadataArray``), so a
/// 150 000-entry `tokenizer.ggml.tokens` is one `[String]`, not 150 000 enum values.
public enum GGUFMetadataValue: Equatable, Sendable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case array(GGUFMetadataArray)
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// The value as an integer when it is one of the eight integer types.
    public var integerValue: Int64? {
        switch self {
        case .uint8(let v): Int64(v)
        case .int8(let v): Int64(v)
        case .uint16(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .uint32(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .uint64(let v): Int64(exactly: v)
        case .int64(let v): v
        default: nil
        }
    }

    /// A short type description for error messages, e.g. `array of string`.
    public var typeDescription: String {
        if case .array(let a) = self { return "array of \(a.elementType)" }
        return type.description
    }
}

/// The elements of a GGUF metadata array, all of one type.
///
/// Nested arrays are `.array`, each inner array carrying its own element type.
public enum GGUFMetadataArray: Equatable, Sendable {
    case uint8([UInt8])
    case int8([Int8])
    case uint16([UInt16])
    case int16([Int16])
    case uint32([UInt32])
    case int32([Int32])
    case float32([Float])
    case bool([Bool])
    case string([String])
    case array([GGUFMetadataArray])
    case uint64([UInt64])
    case int64([Int64])
    case float64([Double])

    /// The type of every element.
    public var elementType: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// The number of elements.
    public var count: Int {
        switch self {
        case .uint8(let a): a.count
        case .int8(let a): a.count
        case .uint16(let a): a.count
        case .int16(let a): a.count
        case .uint32(let a): a.count
        case .int32(let a): a.count
        case .float32(let a): a.count
        case .bool(let a): a.count
        case .string(let a): a.count
        case .array(let a): a.count
        case .uint64(let a): a.count
        case .int64(let a): a.count
        case .float64(let a): a.count
        }
    }

    /// The elements as integers when the element type is an integer type (nil otherwise,
    /// or when a uint64 does not fit in Int64).
    public var integers: [Int64]? {
        switch self {
        case .uint8(let a): a.map { Int64($0) }
        case .int8(let a): a.map { Int64($0) }
        case .uint16(let a): a.map { Int64($0) }
        case .int16(let a): a.map { Int64($0) }
        case .uint32(let a): a.map { Int64($0) }
        case .int32(let a): a.map { Int64($0) }
        case .int64(let a): a
        case .uint64(let a):
            a.allSatisfy { $0 <= UInt64(Int64.max) } ? a.map { Int64($0) } : nil
        default: nil
        }
    }
}
