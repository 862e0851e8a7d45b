import Foundation

/// One tensor's entry in a safetensors header.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Byte range within the data section (after the 8-byte length and the header).
    public let dataRange: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped and validated on open: the header length is bounded and
/// fits the file, the header is a JSON object whose every entry has a known dtype, a shape and
/// offsets that agree with each other, and the entries tile the data section exactly (no holes,
/// no overlaps, nothing past the end), as the reference implementation requires.
public final class SafeTensorsFile: @unchecked Sendable {
    /// The reference implementation's bound on the header size (100 MB).
    public static let maximumHeaderBytes = 100_000_000

    public let path: String
    public let metadata: [String: String]
    /// Entries in data order.
    public let tensors: [SafeTensorInfo]
    private let byName: [String: SafeTensorInfo]
    private let contents: Data
    private let dataStart: Int

    public convenience init(contentsOf url: URL) throws {
        let contents: Data
        do {
            contents = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(data: contents, path: url.path)
    }

    /// Parses an in-memory file; `path` names it in errors.
    public init(data contents: Data, path: String) throws {
        self.path = path
        self.contents = contents
        guard contents.count >= 8 else {
            throw SafeTensorsError.truncated(file: path, detail: "\(contents.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = contents.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw SafeTensorsError.invalidHeader(file: path, detail: "header length \(headerLength) exceeds the \(Self.maximumHeaderBytes)-byte limit")
        }
        guard 8 + Int(headerLength) <= contents.count else {
            throw SafeTensorsError.truncated(file: path, detail: "header of \(headerLength) bytes but only \(contents.count - 8) bytes follow the length")
        }
        dataStart = 8 + Int(headerLength)
        let headerBytes = contents.subdata(in: contents.startIndex + 8 ..< contents.startIndex + dataStart)
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw SafeTensorsError.invalidHeader(file: path, detail: "the header does not start with '{'")
        }
        let header: SafeTensorsHeader
        do {
            header = try JSONDecoder().decode(SafeTensorsHeader.self, from: headerBytes)
        } catch let problem as SafeTensorsHeader.Problem {
            throw problem.error(file: path)
        } catch {
            throw SafeTensorsError.invalidHeader(file: path, detail: "not a JSON object of tensor entries (\(Self.summary(of: error)))")
        }
        var entries = try header.entries.map { try Self.validated($0, path: path) }
        entries.sort { ($0.dataRange.lowerBound, $0.dataRange.upperBound, $0.name) < ($1.dataRange.lowerBound, $1.dataRange.upperBound, $1.name) }
        var covered = 0
        for entry in entries {
            guard entry.dataRange.lowerBound == covered else {
                let problem = entry.dataRange.lowerBound < covered ? "overlaps the tensor before it" : "leaves a hole of \(entry.dataRange.lowerBound - covered) bytes before it"
                throw SafeTensorsError.layout(file: path, detail: "tensor '\(entry.name)' at bytes \(entry.dataRange) \(problem)")
            }
            covered = entry.dataRange.upperBound
        }
        let dataBytes = contents.count - dataStart
        guard covered == dataBytes else {
            throw covered > dataBytes
                ? SafeTensorsError.truncated(file: path, detail: "tensors need \(covered) data bytes but the file holds \(dataBytes)")
                : SafeTensorsError.layout(file: path, detail: "\(dataBytes - covered) bytes after the last tensor belong to none")
        }
        metadata = header.metadata
        tensors = entries
        byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
    }

    private static func validated(_ entry: SafeTensorsHeader.Entry, path: String) throws -> SafeTensorInfo {
        let name = entry.name
        func invalid(_ detail: String) -> SafeTensorsError { .invalidTensor(file: path, tensor: name, detail: detail) }
        guard let dtype = SafeTensorsDType(rawValue: entry.dtype) else {
            throw SafeTensorsError.unknownDType(file: path, tensor: name, dtype: entry.dtype)
        }
        guard entry.shape.allSatisfy({ $0 >= 0 }) else { throw invalid("shape \(entry.shape) has a negative dimension") }
        guard entry.dataOffsets.count == 2 else { throw invalid("data_offsets \(entry.dataOffsets) must hold two integers") }
        let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
        guard begin >= 0, begin <= end else { throw invalid("data_offsets [\(begin), \(end)) are negative or end before they begin") }
        var elements = 1
        for dimension in entry.shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid("shape \(entry.shape) overflows") }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes == end - begin else {
            throw invalid("shape \(entry.shape) of \(dtype.rawValue) needs \(overflow ? "too many" : "\(bytes)") bytes but data_offsets [\(begin), \(end)) hold \(end - begin)")
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: entry.shape, dataRange: begin..<end)
    }

    /// A decoding error in one line, without Swift's nested context dumps.
    private static func summary(of error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    /// The entry named `name`.
    public func info(_ name: String) throws -> SafeTensorInfo {
        guard let info = byName[name] else { throw SafeTensorsError.missingTensor(file: path, tensor: name) }
        return info
    }

    public func contains(_ name: String) -> Bool { byName[name] != nil }

    /// The raw little-endian bytes of tensor `name` (a slice of the mapped file, not a copy).
    public func bytes(_ name: String) throws -> Data {
        let range = try info(name).dataRange
        let start = contents.startIndex + dataStart
        return contents[(start + range.lowerBound) ..< (start + range.upperBound)]
    }

    /// Tensor `name` as Float32, converting from F32, F16 or BF16.
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        let raw = try bytes(name)
        return try raw.withUnsafeBytes { buffer -> [Float] in
            switch info.dtype {
            case .f32:
                return (0..<info.elementCount).map { Float(bitPattern: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
            case .f16:
                return (0..<info.elementCount).map { Float(Float16(bitPattern: buffer.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian)) }
            case .bf16:
                return (0..<info.elementCount).map { Float(bitPattern: UInt32(buffer.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian) << 16) }
            default:
                throw SafeTensorsError.wrongType(file: path, tensor: name, dtype: info.dtype, expected: "F32, F16 or BF16")
            }
        }
    }

    /// Tensor `name` as bytes, which must be U8.
    public func uint8s(_ name: String) throws -> [UInt8] {
        let info = try info(name)
        guard info.dtype == .u8 else { throw SafeTensorsError.wrongType(file: path, tensor: name, dtype: info.dtype, expected: "U8") }
        return [UInt8](try bytes(name))
    }
}
