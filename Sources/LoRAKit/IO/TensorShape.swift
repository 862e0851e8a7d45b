/// Shapes read from files, checked before anything is sized by them.
enum TensorShape {
    /// The element count of `shape`: nil when a dimension is negative or the product overflows,
    /// so that a hostile shape is an error rather than a trap.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
