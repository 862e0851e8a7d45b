/// Bounds on one render, so that a template (which comes from a model repository, not from you)
/// cannot loop forever, recurse without end or build unbounded output. Reaching one throws
/// ``JinjaError`` with kind ``JinjaError/Kind/limit``.
///
/// The defaults are far above what any real chat template needs: the longest conversation in the
/// fixtures uses a few hundred iterations and a few kilobytes.
public struct RenderLimits: Sendable {
    /// Loop iterations over the whole render, all loops together. `range(n)` with `n` above this
    /// fails at once rather than building the list.
    public var maxLoopIterations: Int
    /// UTF-8 bytes written, counting text captured by `{% set %}` blocks, macros and filters too.
    public var maxOutputBytes: Int
    /// Macro calls in progress at once (recursion depth).
    public var maxCallDepth: Int

    public init(maxLoopIterations: Int = 1_000_000, maxOutputBytes: Int = 64 << 20, maxCallDepth: Int = 100) {
        self.maxLoopIterations = maxLoopIterations
        self.maxOutputBytes = maxOutputBytes
        self.maxCallDepth = maxCallDepth
    }
}
