/// Character tests with the same meaning as Rust's `char` methods that the `tokenizers` crate uses,
/// so splitting on whitespace, digits or punctuation agrees with it scalar by scalar.
enum CharacterClasses {
    /// Rust `char::is_whitespace`: the Unicode White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    /// Rust `char::is_numeric`: general category Nd, Nl or No.
    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Rust `char::is_alphanumeric`: Alphabetic or numeric.
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || isNumeric(scalar)
    }

    /// tokenizers' `is_punc`: ASCII punctuation (which includes symbols like `$` and `+`) or a
    /// Unicode P* category — as of Unicode 8.0, the tables of the `unicode_categories` crate it
    /// uses: punctuation added later (Adlam's U+1E95E, U+2E43, ...) is not punctuation there.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v)
                || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v)
        }
        guard let age = scalar.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Oniguruma's Unicode `\w` (UTS #18): Alphabetic (which takes in letter numbers like Ⅻ and
    /// circled letters like ⓒ), marks, decimal digits, connector punctuation and joiners.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}
