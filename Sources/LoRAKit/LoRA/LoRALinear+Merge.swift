extension LoRALinear {
    /// Folds the adapter into the base, W ← W + s·B·A, so that inference costs one GEMM. For a
    /// float16 base the sum is rounded to float16. Forward then skips the adapter; training needs
    /// `unmerge()` first.
    public func merge() throws {
        guard !isMerged else { throw LoRAError.invalidState("the adapter of \(weight.label) is already merged") }
        try device.loraMerge(into: weight, b: loraB, a: loraA, scale: scale, outFeatures: outFeatures, inFeatures: inFeatures, rank: rank)
        isMerged = true
    }

    /// Takes the adapter back out, W ← W − s·B·A. Restores W up to rounding (exactly representable
    /// updates restore it exactly; a float16 base may differ by about one float16 ulp).
    public func unmerge() throws {
        guard isMerged else { throw LoRAError.invalidState("the adapter of \(weight.label) is not merged") }
        try device.loraMerge(into: weight, b: loraB, a: loraA, scale: -scale, outFeatures: outFeatures, inFeatures: inFeatures, rank: rank)
        isMerged = false
    }
}
