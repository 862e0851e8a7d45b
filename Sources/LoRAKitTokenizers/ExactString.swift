/// A token's text, compared and hashed byte for byte.
///
/// Swift's String `==` and hashing follow canonical equivalence ("é" == "e\u{301}"), but a
/// vocabulary may hold both spellings as different tokens, and tokenizers compares bytes. Every
/// dictionary keyed by token text uses this instead of String.
struct ExactString: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: ExactString, b: ExactString) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Byte-for-byte equality, not canonical equivalence.
    func isIdentical(to other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
