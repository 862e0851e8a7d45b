/// A bounds-checked little-endian cursor over the bytes of a GGUF file.
///
/// Every read checks the remaining length first and throws a ``GGUFError`` naming the
/// field being read, so truncated or lying files never read out of bounds.
struct GGUFBinaryReader {
    let base: UnsafeRawBufferPointer
    let file: String
    private(set) var offset: Int = 0

    init(_ base: UnsafeRawBufferPointer, file: String) {
        self.base = base
        self.file = file
    }

    /// Bytes left after the cursor.
    var remaining: Int { base.count - offset }

    func error(_ field: @autoclosure () -> String, _ reason: String) -> GGUFError {
        GGUFError(file: file, field: field(), reason: reason)
    }

    /// Checks that `count` bytes remain, naming what they were needed for.
    func require(_ count: Int, _ field: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw error(field(), "file truncated: needs \(count) bytes at offset \(offset), \(remaining) left")
        }
    }

    mutating func skip(_ count: Int, _ field: @autoclosure () -> String) throws(GGUFError) {
        try require(count, field())
        offset += count
    }

    /// Reads a fixed-width little-endian integer.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        try require(size, field())
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    /// Reads a u64 length or count and checks that the bytes left after it could hold that
    /// many items of at least `minimumSize` bytes each, so no allocation is ever sized by an
    /// unchecked number.
    mutating func readCount(minimumSize: Int, _ field: @autoclosure () -> String) throws(GGUFError) -> Int {
        let raw = try read(UInt64.self, field())
        guard raw <= UInt64(remaining / max(minimumSize, 1)) else {
            throw error(field(), "\(raw) exceeds what the remaining \(remaining) bytes of the file can hold")
        }
        return Int(raw)
    }

    /// Reads a GGUF string (u64 length, UTF-8 bytes) and validates its UTF-8.
    mutating func readString(_ field: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try readCount(minimumSize: 1, field() + " length")
        let bytes = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + length)])
        guard let string = String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw error(field(), "invalid UTF-8 in \(length)-byte string at offset \(offset)")
        }
        offset += length
        return string
    }

    /// Reads `count` consecutive little-endian scalars into an array (count already checked).
    mutating func readArray<T: FixedWidthInteger>(_: T.Type, count: Int, _ field: @autoclosure () -> String) throws(GGUFError) -> [T] {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.size)
        guard !overflow else { throw error(field(), "array of \(count) elements is too large") }
        try require(bytes, field())
        let start = offset
        let source = base
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                let raw = source.loadUnaligned(fromByteOffset: start + i * MemoryLayout<T>.size, as: T.self)
                buffer[i] = T(littleEndian: raw)
            }
            initialized = count
        }
        offset += bytes
        return values
    }
}
