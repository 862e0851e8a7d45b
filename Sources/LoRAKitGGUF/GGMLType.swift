/// A ggml tensor element type (block format), numbered as in ggml.
///
/// Every type ggml defines is listed so that files holding any of them parse; host
/// dequantization supports the types for which ``isDequantizable`` is true.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39, nvfp4 = 40, q1_0 = 41

    /// Elements per block (1 for the plain scalar types).
    public var blockSize: Int { Self.sizes[self]?.block ?? 1 }

    /// Bytes per block.
    public var bytesPerBlock: Int { Self.sizes[self]?.bytes ?? 1 }

    /// Whether ``BlockDequantizer`` can turn this type into floats on the host.
    public var isDequantizable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
             .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: true
        default: false
        }
    }

    /// ggml's name, e.g. `Q4_K`.
    public var description: String { Self.names[self] ?? "type \(rawValue)" }

    /// The bytes needed for `count` elements, nil when `count` is not a whole number of
    /// blocks or the size overflows.
    public func byteCount(elements count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }

    // (block size, bytes per block), as gguf's GGML_QUANT_SIZES.
    private static let sizes: [GGMLType: (block: Int, bytes: Int)] = [
        .f32: (1, 4), .f16: (1, 2), .q4_0: (32, 18), .q4_1: (32, 20), .q5_0: (32, 22), .q5_1: (32, 24),
        .q8_0: (32, 34), .q8_1: (32, 40), .q2_K: (256, 84), .q3_K: (256, 110), .q4_K: (256, 144),
        .q5_K: (256, 176), .q6_K: (256, 210), .q8_K: (256, 292), .iq2_xxs: (256, 66), .iq2_xs: (256, 74),
        .iq3_xxs: (256, 98), .iq1_s: (256, 50), .iq4_nl: (32, 18), .iq3_s: (256, 110), .iq2_s: (256, 82),
        .iq4_xs: (256, 136), .i8: (1, 1), .i16: (1, 2), .i32: (1, 4), .i64: (1, 8), .f64: (1, 8),
        .iq1_m: (256, 56), .bf16: (1, 2), .tq1_0: (256, 54), .tq2_0: (256, 66), .mxfp4: (32, 17),
        .nvfp4: (64, 36), .q1_0: (128, 18),
    ]

    private static let names: [GGMLType: String] = [
        .f32: "F32", .f16: "F16", .q4_0: "Q4_0", .q4_1: "Q4_1", .q5_0: "Q5_0", .q5_1: "Q5_1",
        .q8_0: "Q8_0", .q8_1: "Q8_1", .q2_K: "Q2_K", .q3_K: "Q3_K", .q4_K: "Q4_K", .q5_K: "Q5_K",
        .q6_K: "Q6_K", .q8_K: "Q8_K", .iq2_xxs: "IQ2_XXS", .iq2_xs: "IQ2_XS", .iq3_xxs: "IQ3_XXS",
        .iq1_s: "IQ1_S", .iq4_nl: "IQ4_NL", .iq3_s: "IQ3_S", .iq2_s: "IQ2_S", .iq4_xs: "IQ4_XS",
        .i8: "I8", .i16: "I16", .i32: "I32", .i64: "I64", .f64: "F64", .iq1_m: "IQ1_M", .bf16: "BF16",
        .tq1_0: "TQ1_0", .tq2_0: "TQ2_0", .mxfp4: "MXFP4", .nvfp4: "NVFP4", .q1_0: "Q1_0",
    ]
}
