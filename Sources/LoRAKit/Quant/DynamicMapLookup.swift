/// How bitsandbytes' CPU backend (0.50) picks the 8-bit code of a normalized value in double
/// quantization. It does not search the code book: [−1, 1] is cut into 65536 bins, each bin holds
/// the code of the first midpoint at or above the bin's left value, and a value goes to bin
/// ⌊((v + 1)·0.5)·65535 + 0.5⌋, computed step by step in float32. The result is the nearest code
/// except within about a bin (3·10⁻⁵) of a midpoint, and near zero, where the map's codes are
/// closer together than the bins. Reproducing the table is what makes our nested codes equal
/// theirs bit for bit.
enum DynamicMapLookup {
    static let binCount = 65536

    /// Code index per bin, built once from the dynamic map's float32 midpoints.
    static let table: [UInt8] = {
        let map = NF4Codebook.dynamicMap
        let midpoints = (0..<(map.count - 1)).map { 0.5 * (map[$0] + map[$0 + 1]) }
        var table = [UInt8](repeating: 0, count: binCount)
        var code = 0
        for bin in 0..<binCount {
            let value: Float = -1 + (2 * Float(bin)) / Float(binCount - 1)
            while code < midpoints.count, midpoints[code] < value { code += 1 }
            table[bin] = UInt8(code)
        }
        return table
    }()

    /// The code of `normalized` (clamped to [−1, 1]).
    static func code(of normalized: Float) -> UInt8 {
        let clamped = min(max(normalized, -1), 1)
        let half = (clamped + 1) * 0.5
        let scaled = half * Float(binCount - 1)
        let bin = Int(scaled + 0.5)   // truncation, as the C++ cast to uint16
        return table[bin]
    }
}
