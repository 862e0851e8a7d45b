import Dispatch
import Foundation

/// Host (CPU) dequantization of ggml block formats to Float32.
///
/// The results are bit for bit those of the `gguf` Python package's
/// `gguf.quants.dequantize`: scales are converted from float16 exactly, every product and
/// sum is rounded to float32 in the same order as the reference (it computes in float32,
/// never float64, and never fuses a multiply and an add). Supported: F32, F16, BF16,
/// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K and Q8_K.
///
/// Large inputs are split into runs of blocks dequantized in parallel.
public enum BlockDequantizer {
    /// Dequantizes blocks `[0, blocks)` of `source` into `destination`.
    typealias Kernel = @Sendable (_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, _ blocks: Int) -> Void

    /// Below this many elements one thread is faster than dispatching.
    static let parallelThreshold = 1 << 16

    /// Dequantizes `count` elements of `type` from `bytes` into `destination`.
    ///
    /// - Throws: ``GGUFError`` when the type is not supported, `count` is not a whole number
    ///   of blocks, `bytes` is too short or `destination` has fewer than `count` elements.
    public static func dequantize(_ type: GGMLType, bytes: UnsafeRawBufferPointer, count: Int,
                                  into destination: UnsafeMutableBufferPointer<Float>,
                                  label: String = "dequantize") throws(GGUFError) {
        let kernel = try self.kernel(type, label: label)
        guard let needed = type.byteCount(elements: count) else {
            throw GGUFError(file: label, field: "element count", reason: "\(count) is not a whole number of \(type) blocks of \(type.blockSize)")
        }
        guard bytes.count >= needed else {
            throw GGUFError(file: label, field: "bytes", reason: "\(count) \(type) elements need \(needed) bytes, got \(bytes.count)")
        }
        guard destination.count >= count else {
            throw GGUFError(file: label, field: "destination", reason: "holds \(destination.count) floats, \(count) needed")
        }
        guard count > 0, let src = bytes.baseAddress, let dst = destination.baseAddress else { return }
        run(kernel, type: type, source: src, destination: dst, blocks: count / type.blockSize)
    }

    /// Dequantizes `count` elements of `type` from `bytes` into a new array.
    public static func dequantize(_ type: GGMLType, bytes: UnsafeRawBufferPointer, count: Int,
                                  label: String = "dequantize") throws(GGUFError) -> [Float] {
        guard count >= 0 else {
            throw GGUFError(file: label, field: "element count", reason: "\(count) is negative")
        }
        // Check before allocating, so a bad count cannot size the array.
        guard let needed = type.byteCount(elements: count), bytes.count >= needed else {
            throw GGUFError(file: label, field: "bytes", reason: "\(bytes.count) bytes do not hold \(count) \(type) elements")
        }
        var failure: GGUFError?
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(GGUFError) {
                try dequantize(type, bytes: bytes, count: count, into: buffer, label: label)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return out
    }

    /// Dequantizes `count` elements of `type` held in `data`.
    public static func dequantize(_ type: GGMLType, data: Data, count: Int,
                                  label: String = "dequantize") throws(GGUFError) -> [Float] {
        let result: Result<[Float], GGUFError> = data.withUnsafeBytes { raw in
            Result { () throws(GGUFError) in try dequantize(type, bytes: raw, count: count, label: label) }
        }
        return try result.get()
    }

    private static func kernel(_ type: GGMLType, label: String) throws(GGUFError) -> Kernel {
        switch type {
        case .f32: return dequantizeF32
        case .f16: return dequantizeF16
        case .bf16: return dequantizeBF16
        case .q4_0: return dequantizeQ4_0
        case .q4_1: return dequantizeQ4_1
        case .q5_0: return dequantizeQ5_0
        case .q5_1: return dequantizeQ5_1
        case .q8_0: return dequantizeQ8_0
        case .q2_K: return dequantizeQ2_K
        case .q3_K: return dequantizeQ3_K
        case .q4_K: return dequantizeQ4_K
        case .q5_K: return dequantizeQ5_K
        case .q6_K: return dequantizeQ6_K
        case .q8_K: return dequantizeQ8_K
        default:
            throw GGUFError(file: label, field: "type", reason: "dequantization of \(type) is not supported")
        }
    }

    /// Runs `kernel` over all blocks, in parallel runs of blocks for large inputs.
    private static func run(_ kernel: Kernel, type: GGMLType, source: UnsafeRawPointer,
                            destination: UnsafeMutablePointer<Float>, blocks: Int) {
        let elements = blocks * type.blockSize
        let workers = ProcessInfo.processInfo.activeProcessorCount
        guard elements >= parallelThreshold, workers > 1 else {
            kernel(source, destination, blocks)
            return
        }
        let chunks = min(blocks, workers * 4)
        let perChunk = (blocks + chunks - 1) / chunks
        // Addresses as integers: the runs write disjoint ranges, so sharing is safe.
        let src = UInt(bitPattern: source), dst = UInt(bitPattern: destination)
        let blockBytes = type.bytesPerBlock, blockSize = type.blockSize
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let first = chunk * perChunk
            let count = min(perChunk, blocks - first)
            guard count > 0,
                  let s = UnsafeRawPointer(bitPattern: src + UInt(first * blockBytes)),
                  let d = UnsafeMutablePointer<Float>(bitPattern: dst + UInt(first * blockSize * 4)) else { return }
            kernel(s, d, count)
        }
    }
}
