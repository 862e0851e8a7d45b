import Foundation

/// The BPE model (`model` with `"type": "BPE"`): a vocabulary and ranked merges.
///
/// A piece is cut into characters (Unicode scalars), each looked up in the vocabulary — falling
/// back to `<0xAB>` byte tokens or the unknown token — and adjacent pairs are merged by rank.
struct BPEModel: Sendable {
    let vocabulary: [ExactString: Int32]
    /// id → token, for decoding; nil where the vocabulary has a gap.
    let tokens: [String?]
    let merges: MergeTable
    let unknownID: Int32?
    let fuseUnknown: Bool
    let ignoreMerges: Bool
    /// byte → id of its `<0xAB>` token, when `byte_fallback` is on and the vocabulary has them all.
    let byteFallback: [Int32]?
    /// Single-scalar tokens by scalar value: the lookup every character of every piece makes.
    private let scalarIDs: ScalarTable
    private let cache = WordCache()

    init(_ fields: JSONFields) throws {
        try Self.refuseUnsupported(fields)
        let vocabulary = try Self.readVocabulary(fields)
        self.vocabulary = vocabulary
        var tokens = [String?](repeating: nil, count: Int(vocabulary.values.max() ?? -1) + 1)
        var scalarIDs: [UInt32: Int32] = [:]
        for (key, id) in vocabulary {
            let token = key.string
            tokens[Int(id)] = token
            if token.unicodeScalars.count == 1 { scalarIDs[token.unicodeScalars.first!.value] = id }
        }
        self.tokens = tokens
        self.scalarIDs = ScalarTable(scalarIDs)
        merges = try Self.readMerges(fields, vocabulary: vocabulary)
        if let unknown = try fields.optionalString("unk_token") {
            guard let id = vocabulary[ExactString(unknown)] else {
                throw fields.fieldError("unk_token", "\"\(unknown)\" is not in the vocabulary")
            }
            unknownID = id
        } else {
            unknownID = nil
        }
        fuseUnknown = try fields.bool("fuse_unk", default: false)
        ignoreMerges = try fields.bool("ignore_merges", default: false)
        let fallback = (0..<256).compactMap { vocabulary[ExactString(String(format: "<0x%02X>", $0))] }
        byteFallback = try fields.bool("byte_fallback", default: false) && fallback.count == 256 ? fallback : nil
    }

    /// A model built in code (from a GGUF vocabulary): `tokens` by id, the merges already as ids.
    /// A token text given twice keeps its last id, as llama.cpp's `token_to_id` does.
    init(tokens: [String], merges: MergeTable, unknownID: Int32?, byteFallback: Bool, ignoreMerges: Bool) {
        var vocabulary: [ExactString: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        var scalarIDs: [UInt32: Int32] = [:]
        for (id, token) in tokens.enumerated() {
            vocabulary[ExactString(token)] = Int32(id)
            if token.unicodeScalars.count == 1, let scalar = token.unicodeScalars.first { scalarIDs[scalar.value] = Int32(id) }
        }
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.scalarIDs = ScalarTable(scalarIDs)
        self.merges = merges
        self.unknownID = unknownID
        fuseUnknown = false
        self.ignoreMerges = ignoreMerges
        let fallback = (0..<256).compactMap { vocabulary[ExactString(String(format: "<0x%02X>", $0))] }
        self.byteFallback = byteFallback && fallback.count == 256 ? fallback : nil
    }

    private static func refuseUnsupported(_ fields: JSONFields) throws {
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try fields.optionalString(key), !value.isEmpty {
                throw fields.fieldError(key, "\"\(value)\" is not supported (only null or empty)")
            }
        }
        if let dropout = fields.values["dropout"] as? Double, dropout != 0 {
            throw fields.fieldError("dropout", "BPE dropout \(dropout) is not supported (it makes encoding random)")
        }
    }

    /// Read from the parsed pairs, not a [String: Any], so tokens that differ only in their
    /// Unicode spelling stay apart.
    private static func readVocabulary(_ fields: JSONFields) throws -> [ExactString: Int32] {
        let raw: [(key: String, value: Any)]
        if let object = fields.values["vocab"] as? JSONObject {
            raw = object.pairs
        } else if let dictionary = fields.values["vocab"] as? [String: Any] {
            raw = dictionary.map { ($0.key, $0.value) }
        } else {
            throw fields.fieldError("vocab", "expected an object of token → id")
        }
        var vocabulary: [ExactString: Int32] = [:]
        vocabulary.reserveCapacity(raw.count)
        for (token, value) in raw {
            guard let id = value as? Int, id >= 0, id <= Int(Int32.max) else {
                throw fields.fieldError("vocab", "token \"\(token)\" has id \(value), expected a non-negative integer")
            }
            vocabulary[ExactString(token)] = Int32(id)
        }
        return vocabulary
    }

    /// Merges as `"a b"` strings (older files) or `["a", "b"]` pairs; rank is the position.
    private static func readMerges(_ fields: JSONFields, vocabulary: [ExactString: Int32]) throws -> MergeTable {
        let list = fields.isNull("merges") ? [] : try fields.array("merges")
        var merges = MergeTable(capacity: list.count)
        for (rank, item) in list.enumerated() {
            guard let (left, right) = mergePair(item) else {
                throw fields.fieldError("merges[\(rank)]", "expected \"a b\" or [\"a\", \"b\"], got \(item)")
            }
            func id(_ token: String) throws -> Int32 {
                guard let id = vocabulary[ExactString(token)] else {
                    throw fields.fieldError("merges[\(rank)]",
                                            "merge [\"\(left)\", \"\(right)\"] names \"\(token)\", which is not in the vocabulary")
                }
                return id
            }
            let key = BPEWord.key(try id(left), try id(right))
            merges.set(key, BPEMerge(rank: Int32(rank), id: try id(left + right)))
        }
        return merges
    }

    /// `"a b"` (exactly one space, as tokenizers requires) or `["a", "b"]`.
    private static func mergePair(_ item: Any) -> (String, String)? {
        if let line = item as? String {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        guard let parts = item as? [Any], parts.count == 2, let left = parts[0] as? String,
              let right = parts[1] as? String else { return nil }
        return (left, right)
    }

    /// The ids of one pre-tokenized piece.
    func tokenize(_ piece: [Unicode.Scalar]) -> [Int32] {
        if piece.isEmpty { return [] }
        // A word of 256 scalars or more is too long to cache, so its String is only built when
        // ignore_merges needs the whole-word lookup.
        guard ignoreMerges || piece.count < WordCache.maxBytes else {
            var merged = BPEWord(ids: initialIDs(piece))
            return merged.mergeAll(merges)
        }
        let word = ExactString(makeString(piece))
        if ignoreMerges, let id = vocabulary[word] { return [id] }
        if let cached = cache[word] { return cached }
        var merged = BPEWord(ids: initialIDs(piece))
        let ids = merged.mergeAll(merges)
        cache[word] = ids
        return ids
    }

    /// One id per character, or its bytes' fallback tokens, or the unknown token (fused into one
    /// for a run of unknown characters when `fuse_unk`); characters with none of these are dropped.
    private func initialIDs(_ piece: [Unicode.Scalar]) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(piece.count)
        var pendingUnknown = false
        for scalar in piece {
            if let id = scalarIDs[scalar] {
                if pendingUnknown, let unknownID { ids.append(unknownID) }
                pendingUnknown = false
                ids.append(id)
            } else if let byteFallback {
                // Rust continues here without flushing a pending unknown; keep that order.
                for byte in String(scalar).utf8 { ids.append(byteFallback[Int(byte)]) }
            } else if let unknownID {
                if pendingUnknown && !fuseUnknown { ids.append(unknownID) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownID { ids.append(unknownID) }
        return ids
    }
}

/// Remembers the ids of words already merged; shared by threads, so guarded by a lock.
final class WordCache: @unchecked Sendable {
    private var entries: [ExactString: [Int32]] = [:]
    private let lock = NSLock()
    private let capacity = 10_000
    /// Longer words are not cached (as in tokenizers).
    static let maxBytes = 256

    subscript(word: ExactString) -> [Int32]? {
        get { lock.withLock { entries[word] } }
        set {
            guard let newValue, word.string.utf8.count < Self.maxBytes else { return }
            lock.withLock { if entries.count < capacity { entries[word] = newValue } }
        }
    }
}

/// Scalar → id of its single-scalar token: a flat array for the Basic Multilingual Plane (where
/// nearly every character falls), a dictionary above it.
struct ScalarTable: Sendable {
    private let basic: [Int32]
    private let others: [UInt32: Int32]

    init(_ ids: [UInt32: Int32]) {
        var basic = [Int32](repeating: -1, count: 0x10000)
        var others: [UInt32: Int32] = [:]
        for (value, id) in ids {
            if value < 0x10000 { basic[Int(value)] = id } else { others[value] = id }
        }
        self.basic = basic
        self.others = others
    }

    @inline(__always)
    subscript(scalar: Unicode.Scalar) -> Int32? {
        if scalar.value < 0x10000 {
            let id = basic[Int(scalar.value)]
            return id >= 0 ? id : nil
        }
        return others[scalar.value]
    }
}
