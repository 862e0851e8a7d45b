/// What a split does with the delimiters it finds (tokenizers' `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    static func parse(_ fields: JSONFields, key: String = "behavior") throws -> SplitBehavior {
        let name = try fields.string(key)
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw fields.fieldError(key, "unknown split behavior \"\(name)\" "
                + "(expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)")
        }
        return behavior
    }

    /// Cuts `piece` at the pattern's matches; empty pieces are dropped, as tokenizers does.
    func split(_ piece: PreToken, on pattern: TextPattern, invert: Bool = false) -> [PreToken] {
        var segments = pattern.segments(in: piece.scalars)
        if invert { segments = segments.map { ($0.range, !$0.isMatch) } }
        return keptRanges(segments).filter { !$0.isEmpty }.map { piece.slice($0) }
    }

    /// The ranges to keep, after merging or removing delimiters per behavior.
    func keptRanges(_ segments: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
        switch self {
        case .isolated: return segments.map(\.range)
        case .removed: return segments.filter { !$0.isMatch }.map(\.range)
        case .contiguous: return merged(segments) { isMatch, previous in isMatch == previous }
        case .mergedWithPrevious: return merged(segments) { isMatch, previous in isMatch && !previous }
        case .mergedWithNext:
            // The same fold as MergedWithPrevious, run from the end, so a delimiter joins what follows.
            let reversed = segments.reversed().map { (range: $0.range, isMatch: $0.isMatch) }
            var kept: [Range<Int>] = []
            var previous = false
            for segment in reversed {
                if segment.isMatch && !previous, let last = kept.last {
                    kept[kept.count - 1] = segment.range.lowerBound..<last.upperBound
                } else {
                    kept.append(segment.range)
                }
                previous = segment.isMatch
            }
            return kept.reversed()
        }
    }

    /// Left-to-right fold: when `joins(isMatch, previousIsMatch)`, the segment extends the last range.
    private func merged(_ segments: [(range: Range<Int>, isMatch: Bool)],
                        joins: (Bool, Bool) -> Bool) -> [Range<Int>] {
        var kept: [Range<Int>] = []
        var previous = false
        for segment in segments {
            if joins(segment.isMatch, previous), let last = kept.last {
                kept[kept.count - 1] = last.lowerBound..<segment.range.upperBound
            } else {
                kept.append(segment.range)
            }
            previous = segment.isMatch
        }
        return kept
    }
}

/// One piece of text on its way to the model, as Unicode scalars.
struct PreToken: Sendable {
    var scalars: [Unicode.Scalar]
    /// Whether this piece starts at the very beginning of the input (Metaspace's "first" scheme
    /// prepends only there).
    var atOrigin: Bool

    func slice(_ range: Range<Int>) -> PreToken {
        PreToken(scalars: Array(scalars[range]), atOrigin: atOrigin && range.lowerBound == 0)
    }

    var string: String { makeString(scalars) }
}

/// A String from scalars, through UTF-8 bytes: much faster than appending to a UnicodeScalarView.
func makeString<S: Sequence<Unicode.Scalar>>(_ scalars: S) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(scalars.underestimatedCount * 2)
    for scalar in scalars { appendUTF8(scalar, to: &bytes) }
    return String(decoding: bytes, as: UTF8.self)
}

/// The UTF-8 encoding of one scalar.
@inline(__always)
func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
    let v = scalar.value
    switch v {
    case 0..<0x80:
        bytes.append(UInt8(v))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | v >> 6)); bytes.append(UInt8(0x80 | v & 0x3F))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | v >> 12)); bytes.append(UInt8(0x80 | v >> 6 & 0x3F)); bytes.append(UInt8(0x80 | v & 0x3F))
    default:
        bytes.append(UInt8(0xF0 | v >> 18)); bytes.append(UInt8(0x80 | v >> 12 & 0x3F))
        bytes.append(UInt8(0x80 | v >> 6 & 0x3F)); bytes.append(UInt8(0x80 | v & 0x3F))
    }
}
