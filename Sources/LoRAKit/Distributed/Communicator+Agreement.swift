extension Communicator {
    /// Throws unless every rank passes the same `fingerprint`: ranks whose settings differ would
    /// call collectives of different sizes or counts, which hangs or corrupts instead of failing.
    public func requireAgreement(on fingerprint: String, what: String) throws {
        guard size > 1 else { return }
        let mine = Array(fingerprint.utf8)
        var length = withUnsafeBytes(of: UInt64(mine.count).littleEndian) { Array($0) }
        try broadcast(&length, root: 0)
        let rootLength = length.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        var root = mine.count == rootLength ? mine : [UInt8](repeating: 0, count: rootLength)
        try broadcast(&root, root: 0)
        guard root == mine else {
            throw DistributedError(call: "agreement on \(what)",
                                   detail: "rank \(rank) has \(fingerprint); rank 0 has \(String(decoding: root, as: UTF8.self))")
        }
    }
}
