import Foundation
import Testing
import LoRAKitGGUF

/// A file our writer wrote (with content gguf's writer cannot make: empty and nested
/// empty arrays) read by `gguf.GGUFReader`: the Python of `LORAKIT_GGUF_PYTHON` (ci/fetch-references
/// makes one), else the reference venv's, when it exists; under CI=true it runs regardless, so a
/// missing interpreter fails instead of skipping.
@Suite struct ReferenceReaderTests {
    static let python = ProcessInfo.processInfo.environment["LORAKIT_GGUF_PYTHON"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent(".cache/lorakit/ref-venv/bin/python")

    // Prints every field as [value type names, flattened values as strings] and every tensor.
    static let script = """
    import json, sys, gguf
    r = gguf.GGUFReader(sys.argv[1])
    def s(v):
        return repr(v) if isinstance(v, float) else str(v)
    fields = {}
    for k, f in r.fields.items():
        if k.startswith("GGUF."): continue
        c = f.contents()
        fields[k] = [[t.name for t in f.types], [s(v) for v in c] if isinstance(c, list) else [s(c)]]
    tensors = [[t.name, t.tensor_type.name, [int(x) for x in t.shape], int(t.n_bytes), t.data.tobytes().hex()] for t in r.tensors]
    print(json.dumps({"keys": [k for k in r.fields if not k.startswith("GGUF.")], "fields": fields, "tensors": tensors}))
    """

    /// Our value flattened as gguf's `contents()` does (nested arrays become one list).
    static func flattened(_ value: GGUFMetadataValue) -> [String] {
        func f(_ x: Float) -> String { String(Double(x)) }
        func array(_ a: GGUFMetadataArray) -> [String] {
            switch a {
            case .uint8(let v): v.map { "\($0)" }
            case .int8(let v): v.map { "\($0)" }
            case .uint16(let v): v.map { "\($0)" }
            case .int16(let v): v.map { "\($0)" }
            case .uint32(let v): v.map { "\($0)" }
            case .int32(let v): v.map { "\($0)" }
            case .uint64(let v): v.map { "\($0)" }
            case .int64(let v): v.map { "\($0)" }
            case .float32(let v): v.map(f)
            case .float64(let v): v.map { "\($0)" }
            case .bool(let v): v.map { $0 ? "True" : "False" }
            case .string(let v): v
            case .array(let v): v.flatMap(array)
            }
        }
        switch value {
        case .array(let a): return array(a)
        case .float32(let x): return [f(x)]
        case .bool(let b): return [b ? "True" : "False"]
        case .string(let s): return [s]
        case .uint64(let u): return ["\(u)"]
        case .float64(let d): return ["\(d)"]
        default: return [value.integerValue.map { "\($0)" } ?? "?"]
        }
    }

    /// Python's repr of a float and Swift's description can differ in form (1e-08 vs 1e-08): compare numerically.
    static func same(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in x == y || (Double(x) != nil && Double(x) == Double(y)) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python.path) || ProcessInfo.processInfo.environment["CI"] == "true"))
    func ggufReadsOurFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var w = try WriterTests.referenceWriter()
        w.set("t.empty_array", .array(.string([])))
        w.set("t.u64_max", .uint64(.max))
        let url = folder.appendingPathComponent("ours.gguf")
        try w.write(to: url)
        let process = Process()
        process.executableURL = Self.python
        process.arguments = ["-c", Self.script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(json["keys"] as? [String] == w.metadataKeys)
        let fields = try #require(json["fields"] as? [String: [[String]]])
        for key in w.metadataKeys {
            let theirs = try #require(fields[key])
            let ours = try #require(w.metadata[key])
            #expect(theirs[0].first == ours.type.description.uppercased(), "\(key)")
            #expect(Self.same(theirs[1], Self.flattened(ours)), "\(key): \(theirs[1]) vs \(Self.flattened(ours))")
        }
        let file = try GGUFFile(contentsOf: url)
        let tensors = try #require(json["tensors"] as? [[Any]])
        #expect(tensors.count == file.tensors.count)
        for (theirs, ours) in zip(tensors, file.tensors) {
            #expect(theirs[0] as? String == ours.name)
            #expect(theirs[1] as? String == ours.type.description)
            #expect(theirs[2] as? [Int] == ours.dimensions)
            #expect(theirs[3] as? Int == ours.byteCount)
            #expect(theirs[4] as? String == ours.data.map { String(format: "%02x", $0) }.joined())
        }
    }
}
