extension LoRALinear {
    /// Folds the adapter into the base, W ← W + s·B·A, so that inference costs one GEMM. For a
    /// float16 or bfloat16 base the sum is rounded to that type (nearest even). Forward then skips the adapter; training needs
    /// `unmerge()` first.
    public func merge() throws {
        guard !isMerged else { throw LoRAError.invalidState("the adapter of \(name) is already merged") }
        guard let weight else {
            throw LoRAError.invalidState("\(name) is \(base.storageName): re-quantizing would lose the adapter; use mergedWeight(as:) for a 16-bit or float32 merged copy")
        }
        try device.loraMerge(into: weight, b: loraB, a: loraA, scale: scale, outFeatures: outFeatures, inFeatures: inFeatures, rank: rank)
        isMerged = true
    }

    /// Takes the adapter back out, W ← W − s·B·A. Restores W up to rounding (exactly representable
    /// updates restore it exactly; a 16-bit base may differ by about one ulp of its type).
    public func unmerge() throws {
        guard isMerged, let weight else { throw LoRAError.invalidState("the adapter of \(name) is not merged") }
        try device.loraMerge(into: weight, b: loraB, a: loraA, scale: -scale, outFeatures: outFeatures, inFeatures: inFeatures, rank: rank)
        isMerged = false
    }

    /// A new out×in buffer holding W + s·B·A in `elementType` (float32, float16 or bfloat16), W being the
    /// dequantized base for NF4 and GGUF. This is how an adapter merges into a quantized base: the result
    /// stays in 16 or 32 bits, since re-quantizing to NF4 or a GGUF block format would round the adapter away.
    public func mergedWeight(as elementType: ElementType) throws -> DeviceBuffer {
        guard [.float32, .float16, .bfloat16].contains(elementType) else {
            throw LoRAError.invalidInput("a merged weight is float32, float16 or bfloat16, not \(elementType)")
        }
        // Summed in float32 and rounded once at the end.
        let merged = try device.makeBuffer(.float32, count: outFeatures * inFeatures, label: "\(name) (merged)")
        switch base {
        case .nf4(let weight):
            try weight.dequantize(into: merged)
        case .gguf(let weight):
            try weight.dequantize(into: merged)
        case .dense(let buffer) where buffer.elementType == .float32:
            try device.copy(from: buffer, to: merged)
        case .dense(let buffer):
            try device.convert(buffer, into: merged)
        }
        if !isMerged {
            try device.loraMerge(into: merged, b: loraB, a: loraA, scale: scale, outFeatures: outFeatures, inFeatures: inFeatures, rank: rank)
        }
        if elementType == .float32 { return merged }
        let rounded = try device.makeBuffer(elementType, count: merged.count, label: "\(name) (merged, \(elementType))")
        try device.convert(merged, into: rounded)
        return rounded
    }
}
