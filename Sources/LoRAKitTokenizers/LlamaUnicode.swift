/// What llama.cpp knows of Unicode: its character tables (unicode-data.cpp) are Unicode 15.1.
enum LlamaUnicode {
    /// Whether `scalar` was assigned after Unicode 15.1, so llama.cpp sees no category in it.
    static func isNewerThanTables(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value > 0x7F, let age = scalar.properties.age else { return false }
        return age.major > 15 || (age.major == 15 && age.minor > 1)
    }

    /// `\p{N}` as llama.cpp's tables have it.
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        CharacterClasses.isNumeric(scalar) && !isNewerThanTables(scalar)
    }
}
