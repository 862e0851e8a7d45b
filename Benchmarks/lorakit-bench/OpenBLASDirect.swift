import CBLAS

/// SGEMM straight through OpenBLAS on plain arrays, without LoRAKit: the yardstick for the host
/// backend's overhead (validation, buffer indirection).
final class OpenBLASDirect {
    var a: [Float], b: [Float], c: [Float]
    let m: Int, n: Int, k: Int

    init(m: Int, n: Int, k: Int) {
        (self.m, self.n, self.k) = (m, n, k)
        a = (0..<(m * k)).map { Float($0 % 17) / 17 - 0.5 }
        b = (0..<(k * n)).map { Float($0 % 13) / 13 - 0.5 }
        c = [Float](repeating: 0, count: m * n)
    }

    func run() {
        let (m, n, k) = (Int32(self.m), Int32(self.n), Int32(self.k))
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1,
                                pa.baseAddress, k, pb.baseAddress, n, 0, pc.baseAddress, n)
                }
            }
        }
    }
}
