/// The element types a device buffer can hold.
///
/// Compute is fp32 everywhere; `float16` and `bfloat16` are storage formats (float16 read with
/// `vload_half` in kernels and converted by `Float16(_:)` on the host, bfloat16 widened by a bit
/// shift) so that they work on devices without `cl_khr_fp16`.
public enum ElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case float16
    /// The top half of a float32 (`BFloat16`): BF16 checkpoints keep their frozen weights in it.
    case bfloat16
    case uint8
    /// Token ids and labels.
    case int32

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .float16, .bfloat16: return 2
        case .uint8: return 1
        case .int32: return 4
        }
    }

    public var description: String { rawValue }
}

/// A Swift scalar type that maps one-to-one onto an `ElementType`.
public protocol DeviceScalar: BitwiseCopyable, Sendable {
    static var elementType: ElementType { get }
}

extension Float: DeviceScalar { public static var elementType: ElementType { .float32 } }
extension Float16: DeviceScalar { public static var elementType: ElementType { .float16 } }
extension UInt8: DeviceScalar { public static var elementType: ElementType { .uint8 } }
extension Int32: DeviceScalar { public static var elementType: ElementType { .int32 } }
