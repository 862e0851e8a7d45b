import Foundation

/// A little-endian byte builder for hand-made (often deliberately broken) GGUF files.
struct GGUFBytes {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    mutating func string(_ s: String) { stringBytes(Array(s.utf8)) }
    mutating func stringBytes(_ b: [UInt8]) { u64(UInt64(b.count)); bytes += b }

    mutating func header(version: UInt32 = 3, tensors: UInt64, keys: UInt64) {
        raw(Array("GGUF".utf8)); u32(version); u64(tensors); u64(keys)
    }

    /// A metadata entry: key, type tag, then whatever `value` appends.
    mutating func key(_ k: String, type: UInt32, _ value: (inout GGUFBytes) -> Void) {
        string(k); u32(type); value(&self)
    }

    mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
    }

    mutating func pad(to alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func zeros(_ n: Int) { bytes += [UInt8](repeating: 0, count: n) }

    var data: Data { Data(bytes) }
}
