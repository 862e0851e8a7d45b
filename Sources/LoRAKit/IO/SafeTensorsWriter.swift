import Foundation

/// Writes safetensors files: entries sorted by name, tensors packed back to back in that order,
/// the JSON header padded with spaces to a multiple of 8 bytes (as the reference writer does), and
/// the file written atomically (a temporary file in the same folder, then a rename), so a crash
/// never leaves a half-written checkpoint where a good one was.
public struct SafeTensorsWriter {
    public struct Tensor {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        public let bytes: Data

        public init(name: String, dtype: SafeTensorsDType, shape: [Int], bytes: Data) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        /// A float32 tensor.
        public init(name: String, shape: [Int], floats: [Float]) {
            self.init(name: name, dtype: .f32, shape: shape,
                      bytes: floats.withUnsafeBufferPointer { Data(buffer: $0) })
        }
    }

    public var metadata: [String: String]
    public private(set) var tensors: [Tensor] = []

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor; its byte count must match its shape and dtype, and its name must be new.
    public mutating func add(_ tensor: Tensor) throws {
        try Self.check(tensor, isNew: !tensors.contains(where: { $0.name == tensor.name }))
        tensors.append(tensor)
    }

    /// The checks `add` makes, shared with `SafeTensorsStreamWriter`.
    static func check(_ tensor: Tensor, isNew: Bool) throws {
        let elements = tensor.shape.reduce(1, *)
        guard tensor.shape.allSatisfy({ $0 >= 0 }), elements * tensor.dtype.byteSize == tensor.bytes.count else {
            throw SafeTensorsError.invalidTensor(file: "(writer)", tensor: tensor.name,
                                                 detail: "shape \(tensor.shape) of \(tensor.dtype.rawValue) does not match \(tensor.bytes.count) bytes")
        }
        guard tensor.name != "__metadata__", isNew else {
            throw SafeTensorsError.invalidTensor(file: "(writer)", tensor: tensor.name, detail: "duplicate or reserved name")
        }
    }

    /// The 8-byte length and the JSON header (keys sorted, padded with spaces to a multiple of 8)
    /// for tensors whose data lie at the given byte ranges of the data section.
    static func header(_ entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], range: Range<Int>)],
                       metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        for entry in entries {
            header[entry.name] = ["dtype": entry.dtype.rawValue, "shape": entry.shape,
                                  "data_offsets": [entry.range.lowerBound, entry.range.upperBound]] as [String: Any]
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var prefix = Data(capacity: 8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(json)
        return prefix
    }

    /// The complete file contents.
    public func serialized() throws -> Data {
        let ordered = tensors.sorted { $0.name < $1.name }
        var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], range: Range<Int>)] = []
        var offset = 0
        for tensor in ordered {
            entries.append((tensor.name, tensor.dtype, tensor.shape, offset..<(offset + tensor.bytes.count)))
            offset += tensor.bytes.count
        }
        var file = try Self.header(entries, metadata: metadata)
        file.reserveCapacity(file.count + offset)
        for tensor in ordered { file.append(tensor.bytes) }
        return file
    }

    /// Writes the file to `url` atomically.
    public func write(to url: URL) throws {
        let data = try serialized()
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw SafeTensorsError.writeFailed(file: url.path, reason: error.localizedDescription)
        }
    }
}
