import Foundation

/// Finishes a checkpoint replacement that a crash interrupted. Saving writes a complete new
/// checkpoint into `.<name>.partial-*`, moves the current one aside to `.<name>.old-*`, moves the
/// new one into place and deletes the old one; a `kill -9` between the two moves leaves no
/// `<name>` folder. This puts back the newest complete one: the partial folder when its trainer
/// state (written last) is there, else the old one; leftovers are removed.
enum CheckpointRecovery {
    static func recover(_ folder: URL, stateFile: String) {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent(), name = folder.lastPathComponent
        guard let entries = try? manager.contentsOfDirectory(atPath: parent.path) else { return }
        let partials = entries.filter { $0.hasPrefix(".\(name).partial-") }.map { parent.appendingPathComponent($0) }
        let olds = entries.filter { $0.hasPrefix(".\(name).old-") }.map { parent.appendingPathComponent($0) }
        if !manager.fileExists(atPath: folder.path) {
            let complete = partials.first { manager.fileExists(atPath: $0.appendingPathComponent(stateFile).path) } ?? olds.first
            if let complete { try? manager.moveItem(at: complete, to: folder) }
        }
        for leftover in partials + olds where manager.fileExists(atPath: leftover.path) { try? manager.removeItem(at: leftover) }
    }

    /// A test hook (`LORAKIT_TEST_CHECKPOINT_PAUSE` seconds): waits at the worst moment of a
    /// save, with the old checkpoint moved aside and the new one not yet in place, so that tests
    /// can kill the process there.
    static func pauseForTests() {
        guard let text = ProcessInfo.processInfo.environment["LORAKIT_TEST_CHECKPOINT_PAUSE"], let seconds = Double(text), seconds > 0 else { return }
        Thread.sleep(forTimeInterval: seconds)
    }
}
