import Foundation

/// Sums the gradients over the ranks a bucket at a time (`GradientBuckets`). As the backward
/// pass reports gradients final (`GradientObserver`), each bucket they complete is copied to a
/// host buffer and its nonblocking sum started, and the buckets in flight are tested: Open MPI
/// moves a nonblocking collective only inside MPI calls, so these tests at layer boundaries are
/// what lets a sum proceed under the backward of earlier layers. `finish` starts what is left,
/// waits for everything and copies each sum back to its gradients. At most `inFlight` host
/// buffers of one bucket each exist, reused step after step, so the host never holds a second
/// copy of every gradient. Each rank's gradients already carry 1 / (the step's global token
/// count), so the sums are the whole batch's gradient and need no scaling.
public final class GradientReducer: GradientObserver {
    public let plan: GradientBuckets
    let communicator: any Communicator
    /// The gradients in the plan's order (the order the backward pass finishes them).
    let gradients: [DeviceBuffer]
    let inFlight: Int
    private let position: [ObjectIdentifier: Int]
    private var ready: [Bool]
    /// Tensors 0..<readyPrefix are final; buckets 0..<started have been started.
    private var readyPrefix = 0, started = 0
    private var pending: [(bucket: Int, host: HostFloats, reduction: any PendingReduction)] = []
    private var spare: [HostFloats] = []
    /// Host buffers made so far (never more than `inFlight`).
    public private(set) var hostBuffers = 0
    private var report = ReductionReport()

    /// `stages`: the trainable parameters as the backward pass reports them (`LlamaModel.gradientStages`).
    public init(stages: [[TrainableParameter]], communicator: any Communicator, settings: GradientReductionSettings) {
        gradients = stages.flatMap { $0.map(\.gradient) }
        plan = GradientBuckets(counts: gradients.map(\.count), limit: settings.bucketFloats)
        self.communicator = communicator
        inFlight = settings.overlap ? max(1, settings.inFlight) : 1
        position = Dictionary(gradients.enumerated().map { (ObjectIdentifier($1), $0) }, uniquingKeysWith: { first, _ in first })
        ready = Array(repeating: false, count: gradients.count)
    }

    /// Starts a step's reduction: no gradient is final yet.
    public func begin() {
        precondition(pending.isEmpty, "a step's reduction began while the last one's sums are in flight")
        ready = Array(repeating: false, count: gradients.count)
        (readyPrefix, started, report) = (0, 0, ReductionReport())
    }

    public func gradientsReady(_ parameters: [TrainableParameter]) throws {
        let entered = Date()
        defer { report.seconds += Date().timeIntervalSince(entered) }
        for parameter in parameters {
            guard let index = position[ObjectIdentifier(parameter.gradient)] else {
                throw TrainingError.invalidSetting("\(parameter.name)'s gradient is not among those the reducer sums")
            }
            ready[index] = true
        }
        while readyPrefix < ready.count, ready[readyPrefix] { readyPrefix += 1 }
        try startReadyBuckets()
        try landFinished()
    }

    /// Starts every bucket not yet started (all gradients are final now), waits for all the
    /// sums and copies them back to the device.
    public func finish() throws -> ReductionReport {
        let entered = Date()
        readyPrefix = gradients.count
        try startReadyBuckets()
        while !pending.isEmpty { try landOldest() }
        let after = Date().timeIntervalSince(entered)
        report.seconds += after
        report.secondsAfterBackward = after
        report.buckets = plan.buckets.count
        return report
    }

    /// Starts, in the plan's order (every rank's order), each bucket whose tensors are all final.
    private func startReadyBuckets() throws {
        while started < plan.buckets.count, plan.buckets[started].lastTensor < readyPrefix {
            let bucket = plan.buckets[started]
            let host = try hostBuffer()
            for segment in bucket.segments {
                try gradients[segment.tensor].download(bytes: host.bytes(segment.offset, count: segment.elements.count),
                                                       at: segment.elements.lowerBound)
            }
            pending.append((started, host, try communicator.startAllReduceSum(host.prefix(bucket.count))))
            started += 1
        }
    }

    /// A free host buffer: a spare one, a new one while fewer than `inFlight` exist, else the
    /// oldest in flight's once its sum has landed.
    private func hostBuffer() throws -> HostFloats {
        if let host = spare.popLast() { return host }
        if hostBuffers < inFlight {
            hostBuffers += 1
            return HostFloats(count: plan.largest)
        }
        try landOldest()
        return spare.removeLast()
    }

    /// Waits for the oldest sum in flight and copies it back.
    private func landOldest() throws {
        let waiting = Date()
        try pending[0].reduction.wait()
        report.waitSeconds += Date().timeIntervalSince(waiting)
        try land(0)
    }

    /// Copies back every sum in flight that a test finds done.
    private func landFinished() throws {
        var index = 0
        while index < pending.count {
            if try pending[index].reduction.test() {
                try land(index)
                report.finishedUnderBackward += 1
            } else {
                index += 1
            }
        }
    }

    /// Writes pending bucket `index`'s sums into its gradients and frees its host buffer.
    private func land(_ index: Int) throws {
        let (bucket, host, _) = pending.remove(at: index)
        for segment in plan.buckets[bucket].segments {
            try gradients[segment.tensor].upload(bytes: UnsafeRawBufferPointer(host.bytes(segment.offset, count: segment.elements.count)),
                                                 at: segment.elements.lowerBound)
        }
        spare.append(host)
    }
}
