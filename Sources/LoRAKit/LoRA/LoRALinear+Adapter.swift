extension LoRALinear {
    /// This layer's A and B as a PEFT adapter module (downloads them).
    public func adapterModule() throws -> PEFTAdapter.Module {
        PEFTAdapter.Module(a: try loraA.download(), b: try loraB.download(), inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// Loads A and B from an adapter module whose shapes must match this layer.
    public func load(_ module: PEFTAdapter.Module) throws {
        guard module.inFeatures == inFeatures, module.outFeatures == outFeatures,
              module.a.count == rank * inFeatures, module.b.count == outFeatures * rank else {
            throw LoRAError.invalidInput("adapter module (in \(module.inFeatures), out \(module.outFeatures), \(module.a.count) + \(module.b.count) values) "
                + "does not fit \(name): in \(inFeatures), out \(outFeatures), r \(rank)")
        }
        guard !isMerged else { throw LoRAError.invalidState("unmerge \(name) before loading new adapter weights") }
        try loraA.upload(module.a)
        try loraB.upload(module.b)
    }
}
