import Foundation

/// `LORAKIT_MEMORY_LIMIT`: a cap on what each device may allocate, below its real memory, so
/// that running out can be tried on any machine (a 24 GB card on a larger one, a test of the
/// out-of-memory path). Bytes, optionally with a unit: `1500000`, `512KiB`, `24GiB`, `16GB`.
public enum MemoryLimit {
    public static let variable = "LORAKIT_MEMORY_LIMIT"

    /// The byte count `text` names, or nil when it is not one (a positive integer, optionally
    /// followed by KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)).
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int(digits), value > 0 else { return nil }
        let units: [String: Int] = ["": 1, "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
                                    "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40]
        guard let unit = units[trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)] else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }

    /// The limit `environment` sets, nil when unset or empty; a value that is not a byte count is an error.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        guard let text = environment[variable], !text.isEmpty else { return nil }
        guard let bytes = parse(text) else {
            throw DeviceError.invalidArgument(operation: variable,
                                              detail: "'\(text)' is not a byte count (e.g. 1500000, 512MiB, 24GiB)")
        }
        return bytes
    }
}
