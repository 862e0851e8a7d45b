import Foundation

/// Bytes a device has allocated through LoRAKit, now and at peak.
public struct MemoryUsage: Sendable, Equatable {
    public var currentBytes: Int
    public var peakBytes: Int

    public init(currentBytes: Int, peakBytes: Int) {
        (self.currentBytes, self.peakBytes) = (currentBytes, peakBytes)
    }
}

/// Thread-safe running count of a device's allocations. Every buffer reserves its bytes here
/// before it is created and returns them when it is freed, so the figures are real, not estimated.
final class MemoryCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var usage = MemoryUsage(currentBytes: 0, peakBytes: 0)
    /// What the device can hold in total (global memory, or physical memory on the host).
    let capacityBytes: Int
    /// The largest single allocation the device accepts.
    let maxAllocationBytes: Int
    let deviceName: String
    /// `LORAKIT_MEMORY_LIMIT`, when it is below the device's memory.
    let limitBytes: Int?

    init(deviceName: String, capacityBytes: Int, maxAllocationBytes: Int, limitBytes: Int? = nil) {
        self.deviceName = deviceName
        self.capacityBytes = capacityBytes
        self.maxAllocationBytes = maxAllocationBytes
        self.limitBytes = limitBytes.flatMap { $0 < capacityBytes ? $0 : nil }
    }

    var snapshot: MemoryUsage { lock.withLock { usage } }

    /// Reserves `bytes` or throws `outOfMemory` naming the allocation, without changing the count.
    func reserve(_ bytes: Int, label: String) throws {
        try lock.withLock {
            if bytes > maxAllocationBytes {
                throw DeviceError.outOfMemory(device: deviceName, label: label, requestedBytes: bytes,
                                              inUseBytes: usage.currentBytes, limitBytes: maxAllocationBytes,
                                              limit: "the largest single allocation")
            }
            if let limitBytes, usage.currentBytes + bytes > limitBytes {
                throw DeviceError.outOfMemory(device: deviceName, label: label, requestedBytes: bytes,
                                              inUseBytes: usage.currentBytes, limitBytes: limitBytes,
                                              limit: "the limit \(MemoryLimit.variable) sets")
            }
            if usage.currentBytes + bytes > capacityBytes {
                throw DeviceError.outOfMemory(device: deviceName, label: label, requestedBytes: bytes,
                                              inUseBytes: usage.currentBytes, limitBytes: capacityBytes,
                                              limit: "the device's memory")
            }
            usage.currentBytes += bytes
            usage.peakBytes = max(usage.peakBytes, usage.currentBytes)
        }
    }

    func release(_ bytes: Int) {
        lock.withLock { usage.currentBytes -= bytes }
    }

    /// Error for an allocation the driver refused even though the counter had room.
    func refused(_ bytes: Int, label: String, reason: String) -> DeviceError {
        .outOfMemory(device: deviceName, label: label, requestedBytes: bytes,
                     inUseBytes: snapshot.currentBytes, limitBytes: capacityBytes, limit: "the device's memory (\(reason))")
    }
}
