import Foundation

/// Writes a model-sized safetensors file one tensor at a time: each tensor's bytes go to a scratch
/// file beside the target as soon as they are added, so memory holds one tensor, not the whole
/// checkpoint (a merged 8B model in float16 is 16 GB). `finish()` writes the header, copies the
/// data after it in 64 MiB pieces and renames the result over the target, so the write is atomic
/// like `SafeTensorsWriter`'s, at the price of writing the data twice. Data lie in the order the
/// tensors were added; the header's keys are sorted.
public final class SafeTensorsStreamWriter {
    public let url: URL
    public var metadata: [String: String]
    private var entries: [(name: String, dtype: SafeTensorsDType, shape: [Int], range: Range<Int>)] = []
    private var names: Set<String> = []
    private let scratchURL: URL
    private let scratch: FileHandle
    private var size = 0
    private var finished = false

    public init(url: URL, metadata: [String: String] = [:]) throws {
        self.url = url
        self.metadata = metadata
        scratchURL = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).data-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: scratchURL.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: scratchURL.path) else {
            throw SafeTensorsError.writeFailed(file: url.path, reason: "cannot create the scratch file \(scratchURL.path)")
        }
        scratch = handle
    }

    deinit {
        try? scratch.close()
        try? FileManager.default.removeItem(at: scratchURL)
    }

    /// Appends a tensor; the same checks as `SafeTensorsWriter.add`.
    public func add(_ tensor: SafeTensorsWriter.Tensor) throws {
        guard !finished else { throw SafeTensorsError.writeFailed(file: url.path, reason: "add after finish") }
        try SafeTensorsWriter.check(tensor, isNew: !names.contains(tensor.name))
        do {
            try scratch.write(contentsOf: tensor.bytes)
        } catch {
            throw SafeTensorsError.writeFailed(file: scratchURL.path, reason: "writing \(tensor.name) (\(tensor.bytes.count) bytes): \(error)")
        }
        names.insert(tensor.name)
        entries.append((tensor.name, tensor.dtype, tensor.shape, size..<(size + tensor.bytes.count)))
        size += tensor.bytes.count
    }

    /// Writes header + data to a temporary file beside `url`, then renames it over `url`.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try scratch.close()
            guard FileManager.default.createFile(atPath: partial.path, contents: try SafeTensorsWriter.header(entries, metadata: metadata)),
                  let output = FileHandle(forWritingAtPath: partial.path), let input = FileHandle(forReadingAtPath: scratchURL.path) else {
                throw SafeTensorsError.writeFailed(file: partial.path, reason: "cannot create it or reopen the scratch file")
            }
            defer {
                try? output.close()
                try? input.close()
            }
            try output.seekToEnd()
            while let piece = try input.read(upToCount: 64 << 20), !piece.isEmpty {
                try output.write(contentsOf: piece)
            }
            try output.synchronize()
            guard rename(partial.path, url.path) == 0 else {
                throw SafeTensorsError.writeFailed(file: url.path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(at: scratchURL)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            try? FileManager.default.removeItem(at: scratchURL)
            if let error = error as? SafeTensorsError { throw error }
            throw SafeTensorsError.writeFailed(file: url.path, reason: "\(error)")
        }
    }
}
