import Foundation
import LoRAKit
import Testing

@Suite("safetensors")
struct SafeTensorsTests {
    /// A file made of a raw header string and `dataBytes` zero bytes.
    static func file(header: String, dataBytes: Int = 0, declaredLength: UInt64? = nil) -> Data {
        var data = Data()
        let json = Data(header.utf8)
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data(count: dataBytes))
        return data
    }

    static func parse(_ data: Data) throws -> SafeTensorsFile { try SafeTensorsFile(data: data, path: "test.safetensors") }

    @Test("writer and reader round-trip every float type, bytes and metadata")
    func roundTrip() throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.add(.init(name: "b.f32", shape: [2, 3], floats: [1, -2, 3.5, 0, 1e-8, -7]))
        let halves: [Float16] = [1.5, -0.25, 65504]
        try writer.add(.init(name: "a.f16", dtype: .f16, shape: [3], bytes: halves.withUnsafeBufferPointer { Data(buffer: $0) }))
        let bf16: [UInt16] = [0x3F80, 0xC000]   // 1.0, -2.0
        try writer.add(.init(name: "c.bf16", dtype: .bf16, shape: [2, 1], bytes: bf16.withUnsafeBufferPointer { Data(buffer: $0) }))
        try writer.add(.init(name: "d.u8", dtype: .u8, shape: [5], bytes: Data([0, 1, 2, 254, 255])))
        try writer.add(.init(name: "e.empty", dtype: .f32, shape: [0, 4], bytes: Data()))
        let data = try writer.serialized()
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0, "the header is padded to a multiple of 8 bytes")

        let file = try Self.parse(data)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.map(\.name) == ["a.f16", "b.f32", "c.bf16", "d.u8", "e.empty"])
        #expect(try file.info("b.f32").shape == [2, 3])
        #expect(try file.floats("b.f32") == [1, -2, 3.5, 0, 1e-8, -7])
        #expect(try file.floats("a.f16") == [1.5, -0.25, 65504])
        #expect(try file.floats("c.bf16") == [1, -2])
        #expect(try file.uint8s("d.u8") == [0, 1, 2, 254, 255])
        #expect(try file.floats("e.empty") == [])
        #expect { try file.floats("d.u8") } throws: { "\($0)" == "test.safetensors: tensor 'd.u8' is U8, expected F32, F16 or BF16" }
        #expect { try file.info("nope") } throws: { "\($0)" == "test.safetensors: no tensor named 'nope'" }
    }

    @Test("writes atomically to disk and reads back memory-mapped")
    func fileOnDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try Data("old contents".utf8).write(to: url)
        var writer = SafeTensorsWriter()
        try writer.add(.init(name: "w", shape: [2], floats: [4, 5]))
        try writer.write(to: url)
        #expect(try SafeTensorsFile(contentsOf: url).floats("w") == [4, 5])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"], "no temporary file left behind")
        let missing = folder.appendingPathComponent("no/such/folder/x.safetensors")
        #expect { try writer.write(to: missing) } throws: { "\($0)".hasPrefix("\(missing.path): cannot write") }
        #expect { try SafeTensorsFile(contentsOf: folder.appendingPathComponent("absent.safetensors")) } throws: { "\($0)".contains("cannot read") }
    }

    @Test("the streaming writer: same tensors as the in-memory writer, atomic, no scratch files left, clear errors")
    func streamWriter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-sts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try Data("old contents".utf8).write(to: url)
        let tensors: [SafeTensorsWriter.Tensor] = [
            .init(name: "z.weight", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
            .init(name: "a.half", dtype: .f16, shape: [3], bytes: [Float16(1), 2, 3].withUnsafeBufferPointer { Data(buffer: $0) }),
            .init(name: "m.bytes", dtype: .u8, shape: [5], bytes: Data([9, 8, 7, 6, 5])),
            .init(name: "empty", shape: [0], floats: []),
        ]
        let writer = try SafeTensorsStreamWriter(url: url, metadata: ["format": "pt"])
        for tensor in tensors { try writer.add(tensor) }
        #expect { try writer.add(tensors[0]) } throws: { "\($0)".contains("duplicate") }
        #expect { try writer.add(.init(name: "bad", dtype: .f32, shape: [3], bytes: Data(count: 8))) } throws: { "\($0)".contains("does not match") }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old contents", "the target is untouched until finish()")
        try writer.finish()
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        for tensor in tensors {
            #expect(try file.info(tensor.name).shape == tensor.shape && file.info(tensor.name).dtype == tensor.dtype)
            #expect(try file.bytes(tensor.name) == tensor.bytes, "\(tensor.name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"], "no scratch file left behind")

        // A writer dropped before finish() leaves the target as it was and cleans up its scratch file.
        do {
            let abandoned = try SafeTensorsStreamWriter(url: url)
            try abandoned.add(tensors[0])
        }
        #expect(try SafeTensorsFile(contentsOf: url).tensors.count == tensors.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
        #expect { try SafeTensorsStreamWriter(url: folder.appendingPathComponent("no/such/x.safetensors")) } throws: {
            "\($0)".contains("cannot create the scratch file")
        }
    }

    @Test("malformed files give errors that name the problem", arguments: [
        (Data([1, 2, 3]), "fewer than the 8-byte header length"),
        (SafeTensorsTests.file(header: "{}", declaredLength: 50), "header of 50 bytes but only 2 bytes follow"),
        (SafeTensorsTests.file(header: "{}", declaredLength: 200_000_000), "exceeds the 100000000-byte limit"),
        (SafeTensorsTests.file(header: "[1, 2]"), "does not start with '{'"),
        (SafeTensorsTests.file(header: "{\"a\": "), "not a JSON object of tensor entries"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4), "unknown dtype 'F12'"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8), "needs 12 bytes but data_offsets [0, 8) hold 8"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: 4), "negative dimension"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, dataBytes: 4), "tensor 'w': malformed entry"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[1]}}"#, dataBytes: 4), "missing field 'data_offsets'"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, dataBytes: 4), "end before they begin"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 5), "tensors need 8 data bytes but the file holds 5"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 6), "2 bytes after the last tensor belong to none"),
        (SafeTensorsTests.file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8), "leaves a hole of 4 bytes"),
        (SafeTensorsTests.file(header: #"{"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8), "overlaps the tensor before it"),
        (SafeTensorsTests.file(header: #"{"__metadata__":{"k":1}}"#), "not a JSON object of tensor entries"),
    ])
    func malformed(data: Data, expected: String) {
        #expect { try Self.parse(data) } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("test.safetensors") && message.contains(expected)
        }
    }
}
