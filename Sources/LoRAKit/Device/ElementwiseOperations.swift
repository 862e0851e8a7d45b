/// Operations of elementwise updates, reductions and 16-bit conversions (`ElementwiseContract`).
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol ElementwiseOperations: DeviceCore {
    /// `y += alpha·x`.
    func axpy(alpha: Float, x: DeviceBuffer, y: DeviceBuffer) throws
    /// `x *= alpha`.
    func scale(_ x: DeviceBuffer, by alpha: Float) throws
    /// Sets every element of a float32 buffer to `value`. Zeroing goes through this, never
    /// `scale(by: 0)`, which keeps NaN and ±∞ (0·NaN = NaN) and so lets one bad step poison the next.
    func fill(_ x: DeviceBuffer, with value: Float) throws
    /// Every row of the rows×n matrix `out` set to `row` (n elements): a bias before a product
    /// accumulates onto it.
    func broadcastRows(_ row: DeviceBuffer, rows: Int, into out: DeviceBuffer) throws
    /// `out = a + b` (out may be a or b).
    func add(_ a: DeviceBuffer, _ b: DeviceBuffer, into out: DeviceBuffer) throws
    /// `out[i] = Σ_j x[i·columns + j]²` for a row-major rows×columns x (RMSNorm's reduction).
    func rowSumOfSquares(_ x: DeviceBuffer, rows: Int, columns: Int, into out: DeviceBuffer) throws
    /// Splits x into `parts` contiguous ranges, part p being [p·n/parts, (p+1)·n/parts) of its n
    /// elements, and writes Σ x² of part p into `partials[offset + p]`. A fixed partition, so the
    /// result is deterministic; many tensors' partials can share one buffer and one read (the
    /// global gradient norm).
    func partialSumsOfSquares(_ x: DeviceBuffer, parts: Int, into partials: DeviceBuffer, at offset: Int) throws
    /// Converts between float32 and float16 or bfloat16 storage (same count): narrowing rounds to
    /// nearest even (bfloat16 as `BFloat16(_:)`, NaN to 0x7FC0), widening is exact.
    func convert(_ source: DeviceBuffer, into destination: DeviceBuffer) throws
    /// `out[i] = float(source[range.lowerBound + i])` for i < range.count: elements of a float16 or
    /// bfloat16 buffer widened exactly into float32 `out`, which may be larger (a reused scratch).
    /// How a 16-bit weight reaches a GEMM, a block of rows at a time (`FrozenWeight`).
    func widen(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension ElementwiseOperations {
    public func axpy(alpha: Float, x: DeviceBuffer, y: DeviceBuffer) throws {
        throw DeviceError.unsupported(.axpy, on: info.identifier)
    }

    public func scale(_ x: DeviceBuffer, by alpha: Float) throws {
        throw DeviceError.unsupported(.scale, on: info.identifier)
    }

    public func fill(_ x: DeviceBuffer, with value: Float) throws {
        throw DeviceError.unsupported(.fill, on: info.identifier)
    }

    public func broadcastRows(_ row: DeviceBuffer, rows: Int, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.broadcastRows, on: info.identifier)
    }

    public func add(_ a: DeviceBuffer, _ b: DeviceBuffer, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.add, on: info.identifier)
    }

    public func rowSumOfSquares(_ x: DeviceBuffer, rows: Int, columns: Int, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.rowSumOfSquares, on: info.identifier)
    }

    public func partialSumsOfSquares(_ x: DeviceBuffer, parts: Int, into partials: DeviceBuffer, at offset: Int) throws {
        throw DeviceError.unsupported(.partialSumsOfSquares, on: info.identifier)
    }

    public func convert(_ source: DeviceBuffer, into destination: DeviceBuffer) throws {
        throw DeviceError.unsupported(.convert, on: info.identifier)
    }

    public func widen(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws {
        throw DeviceError.unsupported(.widen, on: info.identifier)
    }
}
