import Foundation
import Testing
import LoRAKitGGUF

/// fixtures/metadata.gguf (written by gguf.GGUFWriter) read back: every value type.
@Suite struct MetadataTests {
    @Test func everyValueTypeReadsBack() throws {
        let file = try Fixtures.open("metadata.gguf")
        #expect(file.version == 3)
        #expect(file.tensors.isEmpty)
        let expectedKeys = ["general.architecture"] + MetadataContent.entries.map(\.0) + ["llama.block_count"]
        #expect(file.metadataKeys == expectedKeys)
        for (key, value) in MetadataContent.entries {
            #expect(file.metadata[key] == value, "\(key)")
        }
        #expect(file.metadata["general.architecture"] == .string("llama"))
        #expect(file.metadata["llama.block_count"] == .uint32(30))
    }

    @Test func typedAccessors() throws {
        let file = try Fixtures.open("metadata.gguf")
        #expect(try file.uint("llama.block_count") == 30)
        #expect(try file.uint("t.u64") == UInt64.max)
        #expect(try file.int("t.i64") == Int64.min)
        #expect(try file.int("t.i8") == -128)
        #expect(try file.float("t.f64") == -2.718281828459045)
        #expect(try file.float("t.f32") == Double(Float(3.14159 as Double)))
        #expect(try file.bool("t.true"))
        #expect(try file.string("t.empty") == "")
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.strings("t.strings") == ["a", "", "▁the", "🦙", "<0x0A>"])
        #expect(try file.floats("t.f32s") == [0.5, -0.25, Float(1e-8 as Double)])
        #expect(try file.ints("t.i16s") == [-1, 2, -3])
        #expect(try file.ints("t.u8s") == [0, 1, 255])
        #expect(try file.array("t.nested").count == 3)
    }

    @Test func accessorErrorsNameTheKey() throws {
        let file = try Fixtures.open("metadata.gguf")
        let missing = #expect(throws: GGUFError.self) { try file.uint("llama.nope") }
        #expect(missing?.description == "metadata.gguf: metadata key 'llama.nope': missing")
        let wrong = #expect(throws: GGUFError.self) { try file.string("t.u8") }
        #expect(wrong?.description == "metadata.gguf: metadata key 't.u8': expected string, found uint8")
        let negative = #expect(throws: GGUFError.self) { try file.uint("t.i8") }
        #expect(negative?.reason == "expected a non-negative integer, found int8")
        let notStrings = #expect(throws: GGUFError.self) { try file.strings("t.i32s") }
        #expect(notStrings?.reason == "expected array of string, found array of int32")
        #expect(throws: GGUFError.self) { try file.ints("t.u64s") }  // UInt64.max does not fit Int
        #expect(throws: GGUFError.self) { try file.tensor(named: "x") }
    }
}
