import Foundation

/// What a plan is checked against: a device's memory (or the lower `LORAKIT_MEMORY_LIMIT`, which
/// the device's counter enforces), or a budget such as a card the run is meant for.
public struct MemoryCapacity: Sendable, Equatable {
    public var bytes: Int
    /// The largest single buffer the device accepts; nil for a budget.
    public var maxAllocationBytes: Int?
    /// Where the figure comes from, for messages: "host (AMD EPYC)", "the limit LORAKIT_MEMORY_LIMIT sets on host (AMD EPYC)", "the budget".
    public var source: String
    /// What the device's buffer pool may keep idle besides (an eighth of its memory): freed
    /// buffers held for reuse, not counted as in use and handed back when an allocation fails.
    public var poolIdleLimitBytes: Int

    public init(bytes: Int, maxAllocationBytes: Int? = nil, source: String, poolIdleLimitBytes: Int? = nil) {
        self.bytes = bytes
        self.maxAllocationBytes = maxAllocationBytes
        self.source = source
        self.poolIdleLimitBytes = poolIdleLimitBytes ?? bytes / 8
    }

    /// The memory of the device `info` describes, capped by `LORAKIT_MEMORY_LIMIT` in `environment`.
    public static func of(_ info: DeviceInfo, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MemoryCapacity {
        let name = "\(info.identifier) (\(info.name))"
        let pool = info.globalMemoryBytes / 8
        if let limit = try MemoryLimit.fromEnvironment(environment), limit < info.globalMemoryBytes {
            return MemoryCapacity(bytes: limit, maxAllocationBytes: min(limit, info.maxAllocationBytes),
                                  source: "the limit \(MemoryLimit.variable) sets on \(name)", poolIdleLimitBytes: pool)
        }
        return MemoryCapacity(bytes: info.globalMemoryBytes, maxAllocationBytes: info.maxAllocationBytes, source: name, poolIdleLimitBytes: pool)
    }

    /// A budget given as text: bytes, or a whole number with a unit (24GiB, 24GB, 512MiB).
    public static func budget(_ text: String) throws -> MemoryCapacity {
        MemoryCapacity(bytes: try parseBytes(text), source: "the budget")
    }

    /// The byte count `text` names (`MemoryLimit`'s syntax), or an error saying what is wrong with it.
    public static func parseBytes(_ text: String) throws -> Int {
        if let bytes = MemoryLimit.parse(text) { return bytes }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let detail: String
        if trimmed.isEmpty {
            detail = "is empty"
        } else if trimmed.hasPrefix("-") || (!digits.isEmpty && digits.allSatisfy { $0 == "0" }) {
            detail = "must be positive"
        } else if digits.isEmpty {
            detail = "does not start with a number"
        } else if unit.hasPrefix(".") || unit.hasPrefix(",") {
            detail = "must be a whole number (write 1536MiB for 1.5GiB)"
        } else if Int(digits) == nil || ["", "B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"].contains(unit) {
            detail = "is too large"   // the number, or the number times its unit, overflows
        } else {
            detail = "unit '\(unit)' is not B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)"
        }
        throw MemoryPlanError.invalidBudget(text: text, detail: detail + "; give bytes or a whole number with a unit, e.g. 24GiB, 24GB, 512MiB, 25769803776")
    }
}
