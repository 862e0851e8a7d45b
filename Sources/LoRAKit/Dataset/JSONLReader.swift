import Foundation

/// Reads a JSONL dataset: one JSON object per line (blank lines skipped), every line in the same
/// format. Errors name the file, the line and the reason.
public enum JSONLReader {
    /// The file's records, at most `limitBytes` of input (a guard against reading a huge file by
    /// mistake into memory: the records of a JSONL file take a few times its size).
    public static func records(_ url: URL, limitBytes: Int = 8 << 30) throws -> [DatasetRecord] {
        let path = url.path
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else { throw DatasetError(file: path, line: 0, "cannot read the file") }
        guard size <= limitBytes else { throw DatasetError(file: path, line: 0, "\(size) bytes exceeds the \(limitBytes)-byte limit of a JSONL dataset") }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw DatasetError(file: path, line: 0, "cannot read the file: \(error.localizedDescription)")
        }
        return try records(data, path: path)
    }

    /// The records of JSONL bytes; `path` names them in errors.
    public static func records(_ data: Data, path: String) throws -> [DatasetRecord] {
        var records: [DatasetRecord] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            guard !trimmed.isEmpty, !trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
            guard let text = String(data: Data(line), encoding: .utf8) else {
                throw DatasetError(file: path, line: lineNumber, "the line is not valid UTF-8")
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) } catch {
                throw DatasetError(file: path, line: lineNumber, "not JSON: \(Self.reason(error))")
            }
            let record = try DatasetRecord(json: object, file: path, line: lineNumber)
            if let first = records.first, first.format != record.format {
                throw DatasetError(file: path, line: lineNumber,
                                   "a \(record.format) line in a \(first.format) dataset (the first example set the format); one file holds one format")
            }
            records.append(record)
        }
        guard !records.isEmpty else { throw DatasetError(file: path, line: 0, "no examples: the file has no non-blank line") }
        return records
    }

    /// The parser's complaint without Foundation's boilerplate.
    private static func reason(_ error: Error) -> String {
        let described = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return described ?? error.localizedDescription
    }
}
