import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a GGUF version 3 file: metadata of any type, tensors of any type from raw bytes.
///
/// The layout is that of the `gguf` Python package's `GGUFWriter`: header, metadata in the
/// order keys were first set, tensor infos, padding to the alignment, then each tensor's
/// bytes followed by padding to the alignment; offsets count from the data section. The
/// alignment is `general.alignment` when set (a uint32 power of two), else 32. As in gguf,
/// `general.architecture` is not added for you.
///
/// ```swift
/// var writer = GGUFWriter()
/// writer.set("general.architecture", .string("llama"))
/// try writer.addTensor(name: "a", dimensions: [4, 3], type: .f32, data: bytes)
/// try writer.write(to: url)
/// ```
public struct GGUFWriter: Sendable {
    struct PendingTensor: Sendable {
        let name: String
        let dimensions: [Int]
        let type: GGMLType
        let data: Data
    }

    /// The metadata keys in the order they will be written.
    public private(set) var metadataKeys: [String] = []
    /// The metadata values by key.
    public private(set) var metadata: [String: GGUFMetadataValue] = [:]
    var tensors: [PendingTensor] = []
    private var tensorNames: Set<String> = []

    /// Creates an empty writer.
    public init() {}

    /// Sets `key` to `value`. A key set again keeps its first position (as gguf's writer).
    public mutating func set(_ key: String, _ value: GGUFMetadataValue) {
        if metadata.updateValue(value, forKey: key) == nil { metadataKeys.append(key) }
    }

    /// Adds a tensor of `type` whose `dimensions` are in GGUF order (`ne[0]` first, the
    /// row length; the reverse of the PyTorch shape) and whose encoded bytes are `data`.
    ///
    /// - Throws: ``GGUFError`` for a duplicate name, 0 or more than 4 dimensions, a
    ///   dimension below 1, `ne[0]` not a multiple of the block size, or a byte count
    ///   that does not match.
    public mutating func addTensor(name: String, dimensions: [Int], type: GGMLType, data: Data) throws(GGUFError) {
        let field = "tensor '\(name)'"
        guard !tensorNames.contains(name) else { throw writerError(field, "duplicate tensor name") }
        guard (1...4).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 1 }) else {
            throw writerError(field + " dimensions", "\(dimensions): need 1 to 4 dimensions, each at least 1")
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw writerError(field + " dimension 0", "ne[0] = \(dimensions[0]) is not a multiple of the \(type) block size \(type.blockSize)")
        }
        var elements = 1
        for d in dimensions {
            let (p, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow else { throw writerError(field + " dimensions", "element count overflows") }
            elements = p
        }
        guard let bytes = type.byteCount(elements: elements), bytes == data.count else {
            throw writerError(field + " data", "\(data.count) bytes given, \(elements) \(type) elements need \(type.byteCount(elements: elements).map(String.init) ?? "too many")")
        }
        tensorNames.insert(name)
        tensors.append(PendingTensor(name: name, dimensions: dimensions, type: type, data: data))
    }

    func writerError(_ field: String, _ reason: String) -> GGUFError {
        GGUFError(file: "GGUFWriter", field: field, reason: reason)
    }

    /// The data alignment the file will use.
    public func alignment() throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return GGUFFile.defaultAlignment }
        guard case .uint32(let a) = value, a != 0, a & (a - 1) == 0 else {
            throw writerError("metadata key 'general.alignment'", "must be a uint32 non-zero power of two, found \(value)")
        }
        return Int(a)
    }

    /// The whole file in memory.
    public func serialized() throws(GGUFError) -> Data {
        let align = try alignment()
        var out = try header(alignment: align)
        for t in tensors {
            out.append(t.data)
            out.append(Data(count: Self.padding(t.data.count, align)))
        }
        return out
    }

    /// Writes the file atomically: into a temporary file in the same folder, then renamed
    /// over `url`, so readers never see a half-written file.
    public func write(to url: URL) throws(GGUFError) {
        let align = try alignment()
        let head = try header(alignment: align)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fail = { (reason: String) in GGUFError(file: url.lastPathComponent, field: "write", reason: reason) }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw fail("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: head)
            for t in tensors {
                try handle.write(contentsOf: t.data)
                try handle.write(contentsOf: Data(count: Self.padding(t.data.count, align)))
            }
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw fail("\(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw fail("cannot rename \(temporary.lastPathComponent) to \(url.lastPathComponent): \(reason)")
        }
    }

    /// Bytes of zeros after `count` bytes to reach the next multiple of `alignment`.
    static func padding(_ count: Int, _ alignment: Int) -> Int {
        (alignment - count % alignment) % alignment
    }
}
