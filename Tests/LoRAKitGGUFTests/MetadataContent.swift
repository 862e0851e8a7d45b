import LoRAKitGGUF

/// The metadata make_gguf_fixtures.py's add_metadata() writes, as Swift values
/// (Python ints in untyped arrays are int32, floats float32, as gguf's writer infers).
enum MetadataContent {
    static let entries: [(String, GGUFMetadataValue)] = [
        ("t.u8", .uint8(255)), ("t.i8", .int8(-128)),
        ("t.u16", .uint16(65535)), ("t.i16", .int16(-32768)),
        ("t.u32", .uint32(4_294_967_295)), ("t.i32", .int32(-2_147_483_648)),
        ("t.u64", .uint64(18_446_744_073_709_551_615)), ("t.i64", .int64(-9_223_372_036_854_775_808)),
        ("t.f32", .float32(Float(3.14159 as Double))), ("t.f64", .float64(-2.718281828459045)),
        ("t.true", .bool(true)), ("t.false", .bool(false)),
        ("t.empty", .string("")),
        ("t.unicode", .string("héllo wörld ✓ 日本語 🦙\n\t\"q\"")),
        ("t.strings", .array(.string(["a", "", "▁the", "🦙", "<0x0A>"]))),
        ("t.u8s", .array(.uint8([0, 1, 255]))),
        ("t.i16s", .array(.int16([-1, 2, -3]))),
        ("t.u64s", .array(.uint64([0, 18_446_744_073_709_551_615]))),
        ("t.f64s", .array(.float64([0.5, -1e300]))),
        ("t.i32s", .array(.int32([1, -2, 3]))),
        ("t.f32s", .array(.float32([0.5, -0.25, Float(1e-8 as Double)]))),
        ("t.bools", .array(.bool([true, false, true]))),
        ("t.nested", .array(.array([.int32([1, 2]), .int32([3]), .int32([4, 5, 6])]))),
        ("t.nested_strings", .array(.array([.string(["x", "yz"]), .string(["", "✓"])]))),
        ("t.deep", .array(.array([.array([.float32([1.5]), .float32([2.5, 3.5])])]))),
    ]
}
