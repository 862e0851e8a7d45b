/// A row-major single-precision GEMM, optionally strided-batched:
///
///     for b in 0..<batchCount:
///         C_b = alpha · op(A_b) · op(B_b) + beta · C_b
///
/// where op(A) is m×k, op(B) is k×n and C is m×n. Without a transpose A is stored m×k (row stride
/// `lda` ≥ k); with one it is stored k×m (`lda` ≥ m); likewise B. Batch b starts at
/// `offset + b · stride` elements of each buffer. A or B may repeat across batches (stride 0);
/// C batches may not overlap: they follow one another, or sit side by side as column blocks of
/// one wider matrix (strideC ≥ n and all blocks within ldc).
public struct GEMMDescriptor: Sendable, Equatable, CustomStringConvertible {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transposeA: Bool
    public var transposeB: Bool
    public var alpha: Float
    public var beta: Float
    public var lda: Int
    public var ldb: Int
    public var ldc: Int
    public var offsetA: Int
    public var offsetB: Int
    public var offsetC: Int
    public var batchCount: Int
    public var strideA: Int
    public var strideB: Int
    public var strideC: Int

    /// Leading dimensions default to packed rows, strides to packed matrices.
    public init(m: Int, n: Int, k: Int,
                transposeA: Bool = false, transposeB: Bool = false,
                alpha: Float = 1, beta: Float = 0,
                lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
                offsetA: Int = 0, offsetB: Int = 0, offsetC: Int = 0,
                batchCount: Int = 1, strideA: Int? = nil, strideB: Int? = nil, strideC: Int? = nil) {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.alpha = alpha
        self.beta = beta
        self.lda = lda ?? (transposeA ? m : k)
        self.ldb = ldb ?? (transposeB ? k : n)
        self.ldc = ldc ?? n
        self.offsetA = offsetA
        self.offsetB = offsetB
        self.offsetC = offsetC
        self.batchCount = batchCount
        self.strideA = strideA ?? m * k
        self.strideB = strideB ?? k * n
        self.strideC = strideC ?? m * n
    }

    /// Floating-point operations of the whole call (2·m·n·k per batch).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(batchCount) }

    public var description: String {
        "gemm(m: \(m), n: \(n), k: \(k), transA: \(transposeA), transB: \(transposeB), lda: \(lda), ldb: \(ldb), "
            + "ldc: \(ldc), offsets: \(offsetA)/\(offsetB)/\(offsetC), batch: \(batchCount), strides: \(strideA)/\(strideB)/\(strideC))"
    }

    /// Stored rows × columns of one A, B and C matrix.
    var storedA: (rows: Int, columns: Int) { transposeA ? (k, m) : (m, k) }
    var storedB: (rows: Int, columns: Int) { transposeB ? (n, k) : (k, n) }

    /// Checks every dimension, leading dimension, offset and stride against the buffers,
    /// so that no backend is ever called with a shape that reads or writes out of bounds.
    /// Every backend calls it first, LoRAKit's own and those of other targets.
    public func validate(a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer, on device: any Device) throws {
        let operation = "gemm"
        try OperandCheck.float32([("A", a), ("B", b), ("C", c)], operation: operation, on: device)
        func fail(_ detail: String) -> DeviceError { .invalidShape(operation: operation, detail: "\(detail) in \(self)") }
        guard m >= 1, n >= 1, k >= 1 else { throw fail("m, n and k must be at least 1") }
        guard batchCount >= 1 else { throw fail("batchCount must be at least 1") }
        guard offsetA >= 0, offsetB >= 0, offsetC >= 0 else { throw fail("offsets must not be negative") }
        guard strideA >= 0, strideB >= 0, strideC >= 0 else { throw fail("strides must not be negative") }
        let (rowsA, columnsA) = storedA
        let (rowsB, columnsB) = storedB
        guard lda >= columnsA else { throw fail("lda \(lda) is smaller than A's stored row length \(columnsA)") }
        guard ldb >= columnsB else { throw fail("ldb \(ldb) is smaller than B's stored row length \(columnsB)") }
        guard ldc >= n else { throw fail("ldc \(ldc) is smaller than C's row length \(n)") }
        // C batches must not overlap: either one after another, or side by side within each row
        // (column blocks of one wide matrix, as attention heads sit in a tokens × (heads·d) matrix).
        let spanC = (m - 1) * ldc + n
        let sideBySide = strideC >= n && (batchCount - 1) * strideC + n <= ldc
        if batchCount > 1, strideC < spanC, !sideBySide {
            throw fail("strideC \(strideC) makes C batches overlap (each spans \(spanC) elements)")
        }
        func requireFits(_ name: String, _ buffer: DeviceBuffer, offset: Int, stride: Int, rows: Int, columns: Int, ld: Int) throws {
            let needed = offset + (batchCount - 1) * stride + (rows - 1) * ld + columns
            guard needed <= buffer.count else {
                throw fail("\(name) needs \(needed) elements but buffer \(buffer) has \(buffer.count)")
            }
        }
        try requireFits("A", a, offset: offsetA, stride: strideA, rows: rowsA, columns: columnsA, ld: lda)
        try requireFits("B", b, offset: offsetB, stride: strideB, rows: rowsB, columns: columnsB, ld: ldb)
        try requireFits("C", c, offset: offsetC, stride: strideC, rows: m, columns: n, ld: ldc)
    }
}
