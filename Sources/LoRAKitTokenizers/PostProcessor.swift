/// Adds the special tokens around an encoded text when `addSpecialTokens` is true
/// (`post_processor`). Only single sequences are encoded here, so the `pair` templates are unused.
indirect enum PostProcessor: Sendable {
    /// The ids to put in, in order; `nil` marks where the text's own ids go.
    case template([[Int32]?])
    /// Byte-level post-processing only trims offsets; it never changes ids.
    case byteLevel
    case sequence([PostProcessor])

    static func parse(_ fields: JSONFields) throws -> PostProcessor {
        let type = try fields.type()
        switch type {
        case "TemplateProcessing": return try parseTemplate(fields)
        case "ByteLevel": return .byteLevel
        case "RobertaProcessing", "BertProcessing":
            return .template([try pairID(fields, "cls"), nil, try pairID(fields, "sep")])
        case "Sequence": return .sequence(try fields.objects("processors").map(parse))
        default:
            throw fields.error("post-processor type \"\(type)\" is not supported "
                + "(supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)")
        }
    }

    /// `"single": [{"SpecialToken": {"id": "<s>", ...}}, {"Sequence": {"id": "A", ...}}]`, with the
    /// ids of each special token looked up in `special_tokens`.
    private static func parseTemplate(_ fields: JSONFields) throws -> PostProcessor {
        let specials = try fields.object("special_tokens")
        var pieces: [[Int32]?] = []
        for piece in try fields.objects("single") {
            if piece.values["Sequence"] != nil {
                pieces.append(nil)
                continue
            }
            let special = try piece.object("SpecialToken")
            let name = try special.string("id")
            guard specials.values[name] != nil else {
                throw special.fieldError("id", "\"\(name)\" is not listed in \(specials.component)")
            }
            let ids = try specials.object(name).array("ids")
            pieces.append(try ids.map { item -> Int32 in
                guard let id = item as? Int, id >= 0, id <= Int(Int32.max) else {
                    throw specials.fieldError("\(name).ids", "expected a list of ids")
                }
                return Int32(id)
            })
        }
        return .template(pieces)
    }

    /// `"cls": ["<s>", 0]` → [0].
    private static func pairID(_ fields: JSONFields, _ key: String) throws -> [Int32] {
        let pair = try fields.array(key)
        guard pair.count == 2, pair[0] is String, let id = pair[1] as? Int, id >= 0, id <= Int(Int32.max) else {
            throw fields.fieldError(key, "expected [token, id]")
        }
        return [Int32(id)]
    }

    func process(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32] {
        switch self {
        case .template(let pieces):
            guard addSpecialTokens else { return ids }
            return pieces.flatMap { $0 ?? ids }
        case .byteLevel: return ids
        case .sequence(let steps): return steps.reduce(ids) { $1.process($0, addSpecialTokens: addSpecialTokens) }
        }
    }
}
