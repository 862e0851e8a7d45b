import Foundation
import Testing

/// The library's folders depend in one direction only (issue 14's "no reaching up"): `Device/`
/// knows nothing of models, quantization formats or LoRA; file formats know nothing of models;
/// data knows nothing of the training loop. A new backend reads `Device/` alone.
@Suite("Source layering")
struct LayeringTests {
    /// Bottom to top. A folder may use the folders listed before it.
    static let order = ["Reporting", "Distributed", "Device", "IO", "Quant", "LoRA", "Model", "Dataset", "Plan", "Train", "SelfCheck"]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/LoRAKit")

    @Test("every folder of Sources/LoRAKit is in the order, and none uses a folder above it")
    func noUpwardUses() throws {
        let layers = try SourceLayers.read(Self.root)
        #expect(Set(layers.sources.keys) == Set(Self.order), "folders \(layers.sources.keys.sorted()) vs the order \(Self.order)")
        let upward = layers.upwardUses(order: Self.order)
        #expect(upward.isEmpty, "upward uses:\n\(upward.map(\.description).joined(separator: "\n"))")
        #expect(layers.uses.count > 50, "the scan finds the ordinary downward uses too (\(layers.uses.count))")
    }

    @Test("the scan finds an upward use, and ignores names in comments and strings")
    func scanFindsUpwardUse() {
        let layers = SourceLayers(sources: [
            "Device": ["Kernel.swift": "struct Kernel { let f = RotaryTable() }\n// LlamaThing in a comment\nlet s = \"LlamaThing\""],
            "Model": ["Rotary.swift": "public enum RotaryTable {}\nfinal class LlamaThing { let k = Kernel() }"],
        ])
        #expect(layers.upwardUses(order: ["Device", "Model"]).map(\.description) == ["Device/Kernel.swift uses RotaryTable of Model"])
        #expect(layers.upwardUses(order: ["Model", "Device"]).map(\.description) == ["Model/Rotary.swift uses Kernel of Device"])
    }
}
