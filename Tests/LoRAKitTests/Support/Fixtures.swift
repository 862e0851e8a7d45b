import Foundation

/// Files under `Tests/LoRAKitTests/Fixtures`, made once by the reference tools with the scripts
/// kept beside them.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func url(_ relativePath: String) -> URL { folder.appendingPathComponent(relativePath) }
}
