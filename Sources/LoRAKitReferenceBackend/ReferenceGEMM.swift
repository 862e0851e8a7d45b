import LoRAKit

/// One matrix of a GEMM in plain loops: each C element's dot product summed in double precision
/// in k order, then `alpha·sum + beta·c` rounded once to float32 (beta = 0 ignores C, so NaN there
/// does not leak, as in BLAS).
enum ReferenceGEMM {
    static func multiply(_ d: GEMMDescriptor, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        for i in 0..<d.m {
            for j in 0..<d.n {
                var sum = 0.0
                for p in 0..<d.k {
                    let x = d.transposeA ? a[p * d.lda + i] : a[i * d.lda + p]
                    let y = d.transposeB ? b[j * d.ldb + p] : b[p * d.ldb + j]
                    sum += Double(x) * Double(y)
                }
                let old = d.beta == 0 ? 0 : Double(d.beta) * Double(c[i * d.ldc + j])
                c[i * d.ldc + j] = Float(Double(d.alpha) * sum + old)
            }
        }
    }
}
