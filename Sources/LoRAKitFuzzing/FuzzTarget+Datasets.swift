import Foundation
import LoRAKit

extension FuzzTarget {
    /// A JSONL dataset: every line parsed and classified (text, prompt/completion, messages).
    static let jsonlDataset = FuzzTarget(name: "jsonl", summary: "a JSONL dataset file") { data in
        _ = try JSONLReader.records(data, path: "fuzz.jsonl")
    }

    /// A LoRAKit token file (LKTOKENS header, then 2- or 4-byte tokens).
    static let tokenFile = FuzzTarget(name: "token-file", summary: "a LoRAKit .tokens file") { data in
        _ = try TokenFile.parse(data, path: "fuzz.tokens")
    }
}
