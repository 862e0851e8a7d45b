import Foundation
import LoRAKitGGUF

/// Fixtures are read from the source tree (excluded from the target), next to this file.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func open(_ name: String) throws -> GGUFFile { try GGUFFile(contentsOf: url(name)) }

    /// expectations.json, written by make_gguf_fixtures.py from gguf.GGUFReader.
    static func expectations() throws -> [String: Any] {
        let data = try Data(contentsOf: url("expectations.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// The first index where two float arrays differ in bits, described; nil when equal.
/// NaNs must match bit for bit on x86 (where the fixtures were made); elsewhere the
/// hardware's default NaN may differ, so any NaN matches any NaN there.
func firstBitMismatch(_ ours: [Float], _ reference: [Float]) -> String? {
    guard ours.count == reference.count else { return "count \(ours.count) != \(reference.count)" }
    for i in ours.indices where ours[i].bitPattern != reference[i].bitPattern {
        #if !arch(x86_64)
        if ours[i].isNaN && reference[i].isNaN { continue }
        #endif
        let a = String(ours[i].bitPattern, radix: 16), b = String(reference[i].bitPattern, radix: 16)
        return "index \(i): ours \(ours[i]) (0x\(a)) vs reference \(reference[i]) (0x\(b))"
    }
    return nil
}
