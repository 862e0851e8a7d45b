import Foundation
import Testing
import LoRAKitGGUF

@Suite struct WriterTests {
    /// The content make_gguf_fixtures.py's make_writer_ref() gives gguf.GGUFWriter.
    static func referenceWriter() throws -> GGUFWriter {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("general.alignment", .uint32(64))
        for (key, value) in MetadataContent.entries { w.set(key, value) }
        let a = (0..<12).map { Float($0) * 0.5 }
        try w.addTensor(name: "a", dimensions: [4, 3], type: .f32, data: a.withUnsafeBytes { Data($0) })
        let b = (0..<40).map { Float16(Float($0 % 7 - 3)) }
        try w.addTensor(name: "b.f16", dimensions: [40], type: .f16, data: b.withUnsafeBytes { Data($0) })
        let q = (0..<68).map { UInt8($0 * 37 % 256) }
        try w.addTensor(name: "c.q8_0", dimensions: [32, 2], type: .q8_0, data: Data(q))
        return w
    }

    @Test func bytesEqualGGUFWriter() throws {
        let ours = try Self.referenceWriter().serialized()
        let theirs = try Data(contentsOf: Fixtures.url("writer_ref.gguf"))
        #expect(ours.count == theirs.count)
        let first = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(first == nil, "first differing byte at \(first ?? -1)")
    }

    @Test func roundTripThroughOurReader() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var w = try Self.referenceWriter()
        w.set("t.empty_array", .array(.string([])))
        w.set("t.empty_nested", .array(.array([.float64([]), .array([])])))
        let url = folder.appendingPathComponent("round.gguf")
        try w.write(to: url)
        try w.write(to: url)  // over an existing file
        let file = try GGUFFile(contentsOf: url)
        #expect(file.alignment == 64 && file.dataOffset % 64 == 0)
        #expect(file.metadataKeys == w.metadataKeys)
        for key in w.metadataKeys { #expect(file.metadata[key] == w.metadata[key], "\(key)") }
        #expect(file.tensors.map(\.name) == ["a", "b.f16", "c.q8_0"])
        #expect(file.tensors.map(\.offset) == [0, 64, 192])
        #expect(try file.tensor(named: "a").dequantized() == (0..<12).map { Float($0) * 0.5 })
        #expect(try file.tensor(named: "b.f16").dequantized() == (0..<40).map { Float($0 % 7 - 3) })
        #expect(try file.tensor(named: "c.q8_0").rowMajorShape == [2, 32])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["round.gguf"])
    }

    @Test func refusesBadTensors() throws {
        var w = GGUFWriter()
        try w.addTensor(name: "x", dimensions: [2], type: .f32, data: Data(count: 8))
        #expect(throws: GGUFError.self) { try w.addTensor(name: "x", dimensions: [2], type: .f32, data: Data(count: 8)) }
        #expect(throws: GGUFError.self) { try w.addTensor(name: "y", dimensions: [2], type: .f32, data: Data(count: 4)) }
        #expect(throws: GGUFError.self) { try w.addTensor(name: "z", dimensions: [16], type: .q4_0, data: Data(count: 9)) }
        #expect(throws: GGUFError.self) { try w.addTensor(name: "v", dimensions: [], type: .f32, data: Data()) }
        #expect(throws: GGUFError.self) { try w.addTensor(name: "u", dimensions: [1, 1, 1, 1, 1], type: .f32, data: Data(count: 4)) }
        w.set("general.alignment", .uint32(24))
        #expect(throws: GGUFError.self) { try w.serialized() }
    }
}
