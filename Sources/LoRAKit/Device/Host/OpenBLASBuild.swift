import CBLAS
import Foundation

/// What the OpenBLAS library loaded at run time reports of itself: which kernels it chose for this
/// CPU (OPENBLAS_CORETYPE overrides the choice), how many threads it runs and with which
/// threading model. Shown by `lorakit devices` and recorded by the benchmarks, since GEMM speed
/// depends on all three.
struct OpenBLASBuild: Sendable {
    var version: String
    var coreName: String
    var threads: Int
    var threading: String
    /// OPENBLAS_THREAD_TIMEOUT as OpenBLAS read it when it loaded (nil: its default, 28).
    var threadTimeout: String?

    static let current: OpenBLASBuild = {
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64": the first two words.
        let version = config.split(separator: " ").prefix(2).joined(separator: " ")
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let threading = ["sequential", "pthreads", "OpenMP"][min(2, max(0, Int(openblas_get_parallel())))]
        return OpenBLASBuild(version: version, coreName: core, threads: Int(openblas_get_num_threads()), threading: threading,
                             threadTimeout: ProcessInfo.processInfo.environment[OpenBLASThreadTimeout.variable])
    }()

    /// "OpenBLAS 0.3.21, Haswell kernels, 2 pthreads (timeout 2^4 cycles)".
    var description: String {
        let timeout = threading == "pthreads" ? " (timeout 2^\(threadTimeout ?? "28") cycles)" : ""
        return "\(version), \(coreName) kernels, \(threads) \(threading == "pthreads" ? "pthreads" : "\(threading) threads")\(timeout)"
    }
}
