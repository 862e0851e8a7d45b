/// Why a planned run does not fit its capacity, with the changes of --seq-len, --batch and
/// --quantize that would make it fit.
public struct MemoryShortfall: Sendable, Equatable, CustomStringConvertible {
    public let neededBytes: Int
    public let largestBufferBytes: Int
    public let capacity: MemoryCapacity
    public let peakPhase: PlanPhase
    /// The three largest parts at the peak, largest first.
    public let largestParts: [MemoryPart: Int]
    /// Changes that fit, each with the total it would need ("--seq-len 1024 (11.2 GiB)"); when
    /// none does, one sentence saying what even the smallest run needs.
    public let advice: [String]

    public var description: String {
        let parts = largestParts.sorted { $0.value > $1.value }.map { "\($0.key.title) \(ByteCount.format($0.value))" }
        var text: String
        if neededBytes > capacity.bytes {
            text = "the run needs \(ByteCount.format(neededBytes)) of device memory at its peak (\(peakPhase.title)), "
                + "more than the \(ByteCount.format(capacity.bytes)) of \(capacity.source)"
        } else {
            text = "the run's largest buffer (\(ByteCount.format(largestBufferBytes))) is larger than the largest single allocation "
                + "\(capacity.source) accepts (\(ByteCount.format(capacity.maxAllocationBytes ?? 0)))"
        }
        text += "; its largest parts: " + parts.joined(separator: ", ") + ". "
        if advice.count == 1, advice[0].hasPrefix("No ") { return text + advice[0] }
        return text + "It would fit with " + advice.joined(separator: ", or ")
    }
}

extension MemoryPlan {
    /// Whether the peak fits `capacity`, and every buffer the device's largest allocation.
    public func fits(_ capacity: MemoryCapacity) -> Bool {
        totalBytes <= capacity.bytes && largestBufferBytes <= (capacity.maxAllocationBytes ?? .max)
    }

    /// Throws `MemoryPlanError.doesNotFit` with the figures and what to change when the run does not fit.
    public func check(_ capacity: MemoryCapacity) throws {
        guard !fits(capacity) else { return }
        let largest = parts.sorted { $0.value > $1.value }.prefix(3)
        throw MemoryPlanError.doesNotFit(MemoryShortfall(
            neededBytes: totalBytes, largestBufferBytes: largestBufferBytes, capacity: capacity, peakPhase: peakPhase,
            largestParts: Dictionary(uniqueKeysWithValues: largest.map { ($0.key, $0.value) }), advice: advice(for: capacity)))
    }

    /// The largest --seq-len (halving), the largest --batch, and --quantize nf4 that fit on their own.
    func advice(for capacity: MemoryCapacity) -> [String] {
        func fitting(_ change: (inout Settings) -> Void) -> MemoryPlan? {
            var changed = settings
            change(&changed)
            guard let plan = try? replanned(changed), plan.fits(capacity) else { return nil }
            return plan
        }
        var advice: [String] = []
        for length in sequence(first: settings.sequenceLength / 2, next: { $0 / 2 }).prefix(while: { $0 >= 16 }) {
            guard let plan = fitting({ $0.sequenceLength = length }) else { continue }
            advice.append("--seq-len \(length) (\(ByteCount.format(plan.totalBytes)))")
            break
        }
        for batch in stride(from: settings.batch - 1, through: 1, by: -1) {
            guard let plan = fitting({ $0.batch = batch }) else { continue }
            advice.append("--batch \(batch) (\(ByteCount.format(plan.totalBytes)))")
            break
        }
        if settings.lora != nil, !hasPackedBase, let plan = fitting({ $0.quantizeToNF4 = true }) {
            advice.append("--quantize nf4 (\(ByteCount.format(plan.totalBytes)))")
        }
        guard advice.isEmpty else { return advice }
        var smallest = settings
        (smallest.sequenceLength, smallest.batch) = (min(16, settings.sequenceLength), 1)
        smallest.quantizeToNF4 = settings.quantizeToNF4 || (settings.lora != nil && !hasPackedBase)
        let plan = (try? replanned(smallest)) ?? self
        return ["No smaller run fits: even --seq-len \(smallest.sequenceLength) --batch 1\(smallest.quantizeToNF4 ? " --quantize nf4" : "") "
                + "needs \(ByteCount.format(plan.totalBytes)), \(ByteCount.format(plan.residentBytes)) of it for the weights, adapters and optimizer state"]
    }
}
