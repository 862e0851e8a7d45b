/// GPT-2's byte-level alphabet: every byte has a printable stand-in character, so any UTF-8 text
/// becomes a string over 256 symbols that a BPE vocabulary can cover without unknown tokens.
enum ByteLevel {
    /// The regex GPT-2 splits with when `use_regex` is true.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// byte → stand-in: printable Latin-1 bytes stand for themselves; the others (controls, space,
    /// DEL, NBSP, soft hyphen) take 256, 257, ... in byte order.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// stand-in scalar value → byte.
    static let scalarToByte: [UInt32: UInt8] = {
        var table: [UInt32: UInt8] = [:]
        for (byte, scalar) in byteToScalar.enumerated() { table[scalar.value] = UInt8(byte) }
        return table
    }()

    /// The UTF-8 bytes of `scalars`, each written as its stand-in.
    static func encode(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 2)
        for scalar in scalars { appendUTF8(scalar, to: &bytes) }
        return bytes.map { byteToScalar[Int($0)] }
    }

    /// The bytes a token stands for. A token with any character outside the alphabet (an added
    /// token such as `<|im_start|>` written plainly) contributes its own UTF-8, as tokenizers does.
    static func bytes(of token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in token.unicodeScalars {
            guard let byte = scalarToByte[scalar.value] else { return Array(token.utf8) }
            bytes.append(byte)
        }
        return bytes
    }
}
