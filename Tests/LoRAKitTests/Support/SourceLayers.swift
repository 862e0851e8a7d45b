import Foundation

/// Which folder of `Sources/LoRAKit` uses which: a type declared at the top level of a file in one
/// folder, named in a file of another, is a dependency of the second on the first. Comments and
/// string literals are skipped. Read from the source tree, since one Swift module has no
/// compiler-checked boundaries inside it.
struct SourceLayers {
    /// One use of a type across folders: `user` (folder/file) names `type`, declared in `owner`.
    struct Use: Hashable, CustomStringConvertible {
        let user: String, file: String, type: String, owner: String
        var description: String { "\(user)/\(file) uses \(type) of \(owner)" }
    }

    /// Folder → (file name → source text).
    let sources: [String: [String: String]]

    static func read(_ root: URL) throws -> SourceLayers {
        var sources: [String: [String: String]] = [:]
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let folder = url.path.dropFirst(root.path.count + 1).split(separator: "/").first.map(String.init) ?? ""
            sources[folder, default: [:]][url.lastPathComponent] = try String(contentsOf: url, encoding: .utf8)
        }
        return SourceLayers(sources: sources)
    }

    /// Every use of a type of another folder.
    var uses: Set<Use> {
        let code = sources.mapValues { $0.mapValues(Self.withoutCommentsAndStrings) }
        var owners: [String: String] = [:]
        for (folder, files) in code.sorted(by: { $0.key < $1.key }) {
            for text in files.values { for name in Self.declaredTypes(text) where owners[name] == nil { owners[name] = folder } }
        }
        var found = Set<Use>()
        for (folder, files) in code {
            for (file, text) in files {
                for word in Self.capitalizedWords(text) {
                    if let owner = owners[word], owner != folder { found.insert(Use(user: folder, file: file, type: word, owner: owner)) }
                }
            }
        }
        return found
    }

    /// Uses that point up: `order` lists folders from the bottom; a folder may use only those below it.
    func upwardUses(order: [String]) -> [Use] {
        let level = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return uses.filter { use in (level[use.user] ?? Int.max) <= (level[use.owner] ?? Int.max) }
            .sorted { $0.description < $1.description }
    }

    static func declaredTypes(_ text: String) -> [String] {
        let pattern = #/(?m)^(?:(?:public|internal|fileprivate|private|final|open|indirect) )*(?:class|struct|enum|protocol|typealias|actor) +([A-Z]\w*)/#
        return text.matches(of: pattern).map { String($0.output.1) }
    }

    static func capitalizedWords(_ text: String) -> Set<String> {
        Set(text.matches(of: #/\b[A-Z]\w*\b/#).map { String($0.output) })
    }

    static func withoutCommentsAndStrings(_ text: String) -> String {
        text.replacing(#/\/\/[^\n]*/#, with: "").replacing(#/"[^"\n]*"/#, with: "\"\"")
    }
}
