import LoRAKit

/// Naive double-precision row-major GEMM, the reference every backend is checked against.
/// Also returns, per element of C, the forward error bound of an fp32 evaluation:
///     |C − C_ref| ≤ (k + 2)·u·(|α|·Σ_l |A_il|·|B_lj| + |β|·|C0_ij|) + tiny
/// (the classic dot-product bound γ_{k+2} with u = 2⁻²⁴, doubled for safety with blocked,
/// FMA-based or differently ordered sums).
enum ReferenceGEMM {
    static func run(_ d: GEMMDescriptor, a: [Float], b: [Float], c: [Float]) -> (values: [Double], bound: [Double]) {
        var values = c.map(Double.init)
        var bound = [Double](repeating: 0, count: c.count)
        for batch in 0..<d.batchCount {
            for i in 0..<d.m {
                for j in 0..<d.n {
                    var sum = 0.0
                    var magnitude = 0.0
                    for l in 0..<d.k {
                        let aWithin: Int = d.transposeA ? l * d.lda + i : i * d.lda + l
                        let bWithin: Int = d.transposeB ? j * d.ldb + l : l * d.ldb + j
                        let product = Double(a[d.offsetA + batch * d.strideA + aWithin]) * Double(b[d.offsetB + batch * d.strideB + bWithin])
                        sum += product
                        magnitude += abs(product)
                    }
                    let cIndex = d.offsetC + batch * d.strideC + i * d.ldc + j
                    let c0 = Double(c[cIndex])
                    values[cIndex] = Double(d.alpha) * sum + Double(d.beta) * c0
                    let scaleOfTerms: Double = abs(Double(d.alpha)) * magnitude + abs(Double(d.beta) * c0)
                    bound[cIndex] = 2 * Double(d.k + 2) * float32Roundoff * scaleOfTerms + 1e-30
                }
            }
        }
        return (values, bound)
    }
}
