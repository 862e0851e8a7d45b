import CBLAS

extension HostDevice {
    public func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        try descriptor.validate(a: a, b: b, c: c, on: self)
        operations.add(\.gemmCalls)
        let d = descriptor
        // Debian's OpenBLAS uses 32-bit integers (LP64, not ILP64).
        for (name, value) in [("m", d.m), ("n", d.n), ("k", d.k), ("lda", d.lda), ("ldb", d.ldb), ("ldc", d.ldc)]
        where value > Int(Int32.max) {
            throw DeviceError.invalidShape(operation: "gemm", detail: "\(name) = \(value) exceeds OpenBLAS's 32-bit limit")
        }
        let pa = floats(a), pb = floats(b), pc = floats(c)
        for batch in 0..<d.batchCount {
            cblas_sgemm(CblasRowMajor,
                        d.transposeA ? CblasTrans : CblasNoTrans, d.transposeB ? CblasTrans : CblasNoTrans,
                        Int32(d.m), Int32(d.n), Int32(d.k), d.alpha,
                        pa + d.offsetA + batch * d.strideA, Int32(d.lda),
                        pb + d.offsetB + batch * d.strideB, Int32(d.ldb), d.beta,
                        pc + d.offsetC + batch * d.strideC, Int32(d.ldc))
        }
    }
}
