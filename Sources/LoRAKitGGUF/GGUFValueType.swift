/// The type tag of a GGUF metadata value, with the numbers the format uses.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5
    case float32 = 6, bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The encoded size of one value, or the smallest possible size for strings (the
    /// u64 length) and arrays (u32 element type and u64 count): used to bound counts.
    var minimumSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }

    /// The lower-case name used in error messages, e.g. `uint32`.
    public var description: String {
        ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
         "bool", "string", "array", "uint64", "int64", "float64"][Int(rawValue)]
    }
}
