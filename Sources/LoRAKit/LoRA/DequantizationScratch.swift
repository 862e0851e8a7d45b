import Foundation

/// One float32 buffer per device into which frozen weights are expanded just before their GEMM
/// (NF4 or GGUF blocks dequantized, float16 and bfloat16 widened) and which every layer on that
/// device reuses, so a model never holds a resident full-precision copy of its base: the scratch
/// is as large as the largest single quantized weight, or `widenBlockElements` for 16-bit ones,
/// which widen a block of rows at a time. Safe because a device runs its operations in order: a layer's GEMM
/// has consumed the scratch before the next layer overwrites it, and `withFloat32` keeps
/// threads that share a device from interleaving their fill-then-read sequences.
public final class DequantizationScratch: @unchecked Sendable {
    public let device: any Device
    private var buffer: DeviceBuffer?
    private let lock = NSLock()

    /// The most elements of a float16 or bfloat16 weight widened at once (whole rows, at least
    /// one): 16 Mi elements, a 64 MiB float32 block, so that a 16-bit embedding-sized LM head
    /// (Llama 3's 128256×4096: 2 GiB as float32) passes through 64 MiB. A weight of up to this
    /// many elements is one block, its products one GEMM each.
    public var widenBlockElements: Int {
        get { lock.withLock { blockElements } }
        set { lock.withLock { blockElements = max(1, newValue) } }
    }
    private var blockElements = 1 << 24

    public init(device: any Device) {
        self.device = device
    }

    /// Runs `body` with a float32 buffer of at least `count` elements, holding the scratch for
    /// the whole of `body`: work that `body` enqueues (fill the scratch, then the GEMM that reads
    /// it) is queued before any other thread's use of the same scratch, so concurrent callers on
    /// one device cannot overwrite each other's weight.
    public func withFloat32<Result>(count: Int, _ body: (DeviceBuffer) throws -> Result) throws -> Result {
        lock.lock()
        defer { lock.unlock() }
        if buffer == nil || buffer!.count < count {
            buffer = nil   // release the smaller one first, so the peak is the larger alone
            buffer = try device.makeBuffer(.float32, count: count, label: "dequantization scratch")
        }
        return try body(buffer!)
    }

    /// Bytes held now.
    public var bytes: Int { lock.withLock { buffer?.byteCount ?? 0 } }

    private nonisolated(unsafe) static var perDevice: [ObjectIdentifier: DequantizationScratch] = [:]
    private static let registryLock = NSLock()

    /// The scratch every layer on `device` shares unless given its own.
    public static func shared(for device: any Device) -> DequantizationScratch {
        registryLock.withLock {
            if let scratch = perDevice[ObjectIdentifier(device)] { return scratch }
            let scratch = DequantizationScratch(device: device)
            perDevice[ObjectIdentifier(device)] = scratch
            return scratch
        }
    }
}
