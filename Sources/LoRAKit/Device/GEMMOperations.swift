/// Operations of the GEMM family: CLBlast on OpenCL devices, OpenBLAS on the host.
/// Part of `Device`; see `DeviceCore` for the contract every operation keeps.
public protocol GEMMOperations: DeviceCore {
    /// `C = alpha·op(A)·op(B) + beta·C`, row-major, optionally strided-batched.
    func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws
}

/// What a backend that does not implement an operation answers: an error naming it (and
/// `supports` says false), so a partial backend can run behind `OffloadingDevice`.
extension GEMMOperations {
    public func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        throw DeviceError.unsupported(.gemm, on: info.identifier)
    }
}

extension GEMMOperations {
    /// Plain, non-batched `C = alpha·op(A)·op(B) + beta·C` on packed matrices.
    public func gemm(m: Int, n: Int, k: Int, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer,
                     transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0) throws {
        try gemm(GEMMDescriptor(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                alpha: alpha, beta: beta), a: a, b: b, c: c)
    }
}
