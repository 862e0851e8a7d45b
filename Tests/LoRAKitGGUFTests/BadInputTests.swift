import Foundation
import Testing
import LoRAKitGGUF

/// Deliberately corrupt files: each must throw its own GGUFError (file, field, reason).
@Suite struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let field: String
        let reason: String  // a substring of the expected reason
        var testDescription: String { name }
    }

    /// A file with one F32 tensor "w" of `dims` at `offset`, after `keys`.
    static func oneTensor(dims: [UInt64] = [8], type: UInt32 = 0, offset: UInt64 = 0, dataBytes: Int = 32,
                          keys: UInt64 = 0, _ metadata: (inout GGUFBytes) -> Void = { _ in }) -> [UInt8] {
        var b = GGUFBytes()
        b.header(tensors: 1, keys: keys)
        metadata(&b)
        b.tensorInfo("w", dims: dims, type: type, offset: offset)
        b.pad(); b.zeros(dataBytes)
        return b.bytes
    }

    static func oneKey(_ key: String = "k", type: UInt32, _ value: @escaping (inout GGUFBytes) -> Void) -> [UInt8] {
        var b = GGUFBytes()
        b.header(tensors: 0, keys: 1)
        b.key(key, type: type, value)
        return b.bytes
    }

    static let cases: [Case] = headerCases() + metadataCases() + tensorCases()

    /// Magic, version, byte order and counts.
    static func headerCases() -> [Case] {
        var c: [Case] = []
        func add(_ n: String, _ b: [UInt8], _ f: String, _ r: String) { c.append(Case(name: n, bytes: b, field: f, reason: r)) }
        add("bad magic", Array("GGML".utf8) + [3, 0, 0, 0] + [UInt8](repeating: 0, count: 16), "header magic", "not a GGUF file: expected 'GGUF'")
        add("empty file", [], "header magic", "file truncated")
        var v1 = GGUFBytes(); v1.header(version: 1, tensors: 0, keys: 0)
        add("version 1", v1.bytes, "header version", "unsupported version 1 (supported: 2, 3)")
        var be = GGUFBytes(); be.raw(Array("GGUF".utf8)); be.raw([0, 0, 0, 3]); be.zeros(16)
        add("big-endian", be.bytes, "header version", "big-endian GGUF file (version 3)")
        add("truncated header", Array("GGUF".utf8) + [3, 0, 0, 0, 1, 0], "header tensor count", "file truncated")
        var hugeTensors = GGUFBytes(); hugeTensors.header(tensors: 1 << 40, keys: 0)
        add("huge tensor count", hugeTensors.bytes, "header tensor count", "exceeds what the remaining")
        var hugeKeys = GGUFBytes(); hugeKeys.header(tensors: 0, keys: UInt64.max)
        add("huge metadata count", hugeKeys.bytes, "header metadata count", "exceeds what the remaining")
        return c
    }

    /// Metadata keys and values.
    static func metadataCases() -> [Case] {
        var c: [Case] = []
        func add(_ n: String, _ b: [UInt8], _ f: String, _ r: String) { c.append(Case(name: n, bytes: b, field: f, reason: r)) }
        add("huge array length", oneKey("tokenizer.ggml.tokens", type: 9) { $0.u32(8); $0.u64(1 << 60) },
            "metadata key #0 'tokenizer.ggml.tokens' array length", "1152921504606846976 exceeds")
        add("huge string length", oneKey(type: 8) { $0.u64(UInt64.max) }, "metadata key #0 'k' length", "exceeds")
        add("array longer than the file", oneKey(type: 9) { $0.u32(4); $0.u64(4); $0.u32(1) },
            "metadata key #0 'k' array length", "4 exceeds what the remaining 4 bytes")
        add("truncated string in array", oneKey(type: 9) { $0.u32(8); $0.u64(2); $0.string("abc"); $0.u64(5); $0.raw([0x61, 0x62]) },
            "metadata key #0 'k' element #1 length", "5 exceeds what the remaining 2 bytes")
        add("truncated scalar", oneKey(type: 10) { $0.u32(7) }, "metadata key #0 'k'", "file truncated: needs 8 bytes")
        add("unknown metadata type", oneKey(type: 13) { $0.u32(0) }, "metadata key #0 'k' type", "unknown metadata value type 13")
        add("unknown array element type", oneKey(type: 9) { $0.u32(77); $0.u64(0) },
            "metadata key #0 'k' array element type", "unknown metadata value type 77")
        add("bool not 0 or 1", oneKey(type: 7) { $0.u8(2) }, "metadata key #0 'k'", "bool must be 0 or 1, found 2")
        add("invalid UTF-8 value", oneKey(type: 8) { $0.stringBytes([0x61, 0xFF, 0x62]) }, "metadata key #0 'k'", "invalid UTF-8")
        add("invalid UTF-8 key", { var b = GGUFBytes(); b.header(tensors: 0, keys: 1); b.stringBytes([0xC0, 0x80]); b.u32(0); b.u8(0); return b.bytes }(),
            "metadata key #0", "invalid UTF-8")
        add("deep nesting", oneKey(type: 9) { b in for _ in 0..<40 { b.u32(9); b.u64(1) }; b.u32(0); b.u64(0) },
            "metadata key #0 'k' element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0 element #0",
            "arrays nested deeper than 16 levels")
        var dupKey = GGUFBytes(); dupKey.header(tensors: 0, keys: 2)
        dupKey.key("a", type: 0) { $0.u8(1) }; dupKey.key("a", type: 0) { $0.u8(2) }
        add("duplicate key", dupKey.bytes, "metadata key #1 'a'", "duplicate key (first defined as key #0)")
        return c
    }

    /// Alignment and tensor infos.
    static func tensorCases() -> [Case] {
        var c: [Case] = []
        func add(_ n: String, _ b: [UInt8], _ f: String, _ r: String) { c.append(Case(name: n, bytes: b, field: f, reason: r)) }
        add("alignment not power of two", oneTensor(keys: 1) { $0.key("general.alignment", type: 4) { $0.u32(48) } },
            "metadata key 'general.alignment'", "48 is not a non-zero power of two")
        add("alignment wrong type", oneTensor(keys: 1) { $0.key("general.alignment", type: 10) { $0.u64(32) } },
            "metadata key 'general.alignment'", "must be uint32, found uint64")
        add("unknown tensor type", oneTensor(type: 99), "tensor #0 'w' type", "unknown tensor type 99")
        add("five dimensions", oneTensor(dims: [1, 1, 1, 1, 8]), "tensor #0 'w' dimension count", "5 dimensions (GGUF allows 1 to 4)")
        add("no dimensions", oneTensor(dims: []), "tensor #0 'w' dimension count", "0 dimensions")
        add("zero dimension", oneTensor(dims: [8, 0]), "tensor #0 'w' dimension 1", "dimension is 0")
        add("negative dimension", oneTensor(dims: [UInt64.max]), "tensor #0 'w' dimension 0", "dimension is negative (-1)")
        add("dimension product overflow", oneTensor(dims: [1 << 32, 1 << 32]), "tensor #0 'w' dimensions", "element count overflows")
        add("byte count overflow", oneTensor(dims: [1 << 62, 1]), "tensor #0 'w' dimensions", "byte count overflows")
        add("ne0 not a block multiple", oneTensor(dims: [16], type: 2), "tensor #0 'w' dimension 0",
            "ne[0] = 16 is not a multiple of the Q4_0 block size 32")
        add("offset not aligned", oneTensor(offset: 4, dataBytes: 64), "tensor #0 'w' offset", "offset 4 is not a multiple of the alignment 32")
        add("offset outside data", oneTensor(offset: 64), "tensor #0 'w' offset", "data [64, 96) lies outside the 32-byte data section")
        add("truncated tensor data", oneTensor(dataBytes: 16), "tensor #0 'w' offset", "lies outside the 16-byte data section")
        add("huge offset", oneTensor(offset: UInt64.max - 31), "tensor #0 'w' offset", "lies outside the file")
        var overlap = GGUFBytes(); overlap.header(tensors: 2, keys: 0)
        overlap.tensorInfo("a", dims: [16], type: 0, offset: 0); overlap.tensorInfo("b", dims: [8], type: 0, offset: 32)
        overlap.pad(); overlap.zeros(64)
        add("overlapping tensors", overlap.bytes, "tensor #1 'b' offset", "data [32, 64) overlaps tensor #0 'a' [0, 64)")
        var dupTensor = GGUFBytes(); dupTensor.header(tensors: 2, keys: 0)
        dupTensor.tensorInfo("a", dims: [8], type: 0, offset: 0); dupTensor.tensorInfo("a", dims: [8], type: 0, offset: 32)
        dupTensor.pad(); dupTensor.zeros(64)
        add("duplicate tensor name", dupTensor.bytes, "tensor #1 'a'", "duplicate tensor name (first defined as tensor #0)")
        return c
    }

    @Test(arguments: cases)
    func refusedWithItsOwnError(_ c: Case) {
        let error = #expect(throws: GGUFError.self) { try GGUFFile(data: Data(c.bytes), name: "bad.gguf") }
        #expect(error?.file == "bad.gguf")
        #expect(error?.field == c.field, "\(c.name): \(error?.description ?? "no error")")
        #expect(error?.reason.contains(c.reason) == true, "\(c.name): \(error?.description ?? "no error")")
    }

    @Test func fullMessage() {
        let bytes = Self.oneKey("tokenizer.ggml.tokens", type: 9) { $0.u32(8); $0.u64(1 << 60) }
        let error = #expect(throws: GGUFError.self) { try GGUFFile(data: Data(bytes), name: "vocab.gguf") }
        #expect(error?.description == "vocab.gguf: metadata key #0 'tokenizer.ggml.tokens' array length: 1152921504606846976 exceeds what the remaining 0 bytes of the file can hold")
    }

    @Test func missingFileIsAGGUFError() {
        let error = #expect(throws: GGUFError.self) { try GGUFFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.gguf")) }
        #expect(error?.file == "x.gguf")
    }

    @Test func version2Parses() throws {
        var b = GGUFBytes()
        b.header(version: 2, tensors: 1, keys: 1)
        b.key("general.alignment", type: 4) { $0.u32(16) }
        b.tensorInfo("v", dims: [4], type: 0, offset: 0)
        b.pad(to: 16); b.zeros(16)
        let file = try GGUFFile(data: b.data, name: "v2.gguf")
        #expect(file.version == 2 && file.alignment == 16 && file.dataOffset % 16 == 0)
        #expect(try file.tensor(named: "v").byteCount == 16)
    }

    @Test func validHandMadeFileParses() throws {
        let file = try GGUFFile(data: Data(Self.oneTensor(dims: [8, 1])), name: "ok.gguf")
        let w = try file.tensor(named: "w")
        #expect(w.dimensions == [8, 1] && w.rowMajorShape == [1, 8] && w.byteCount == 32 && w.fileOffset == file.dataOffset)
        #expect(try w.dequantized() == [Float](repeating: 0, count: 8))
        var buffer = [Float](repeating: 1, count: 9)
        try buffer.withUnsafeMutableBufferPointer { out throws(GGUFError) in try w.dequantize(into: out) }
        #expect(buffer == [Float](repeating: 0, count: 8) + [1])
    }
}
