import Foundation

/// OpenBLAS's pthreads spin (yielding) for 2^28 cycles, about 0.1 s, after every GEMM before
/// they sleep, and while they spin they take cores from LoRAKit's own threads (the fused
/// attention's jobs, the parallel loops). `OPENBLAS_THREAD_TIMEOUT=4`, OpenBLAS's shortest, lets
/// them sleep at once. Measured in paired training turns on the 2-core VM (`ab-lorakit`, 6 pairs,
/// fused attention): bundled@1024 1.17×, 100m@1024 1.13×, small32k@256 1.05× against the
/// default; 18 (a spin of about 0.1 ms) was no better than 4. Before attention was fused the same
/// setting gave no consistent gain (README), since little ran in parallel outside OpenBLAS.
///
/// Generation is the other way round: its one-token GEMMs pay a wake-up each, and `lorakit-bench
/// generate` ran at 0.90–0.95× the tokens/s with it, so only training sets it.
///
/// OpenBLAS reads the variable once, as it loads, before any Swift code runs, so an executable
/// sets it by starting itself again: `lorakit train` and `lorakit-bench train`, `attention` and
/// `memory` call `restartIfUnset()` first. A value already in the environment is kept (28
/// restores OpenBLAS's default). Programs that use the library set it in their own environment.
public enum OpenBLASThreadTimeout {
    public static let variable = "OPENBLAS_THREAD_TIMEOUT"
    public static let value = "4"

    /// Replaces the process with itself, same arguments, with the variable set, when it is unset.
    /// Returns when it was set already, or when starting again failed (the process then carries
    /// on with OpenBLAS's default spinning).
    public static func restartIfUnset() {
        guard getenv(variable) == nil else { return }
        setenv(variable, value, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }

    /// `restartIfUnset()` when the process's first argument (its subcommand) is one of `subcommands`.
    public static func restartIfUnset(forSubcommands subcommands: Set<String>) {
        guard let subcommand = CommandLine.arguments.dropFirst().first, subcommands.contains(subcommand) else { return }
        restartIfUnset()
    }
}
