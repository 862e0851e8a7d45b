import Foundation
import LoRAKit

extension OpHarness {
    /// GEMM in every form the layers use: plain with α and β, both transposes, and strided
    /// batches with offsets (attention's heads). The bound is ReferenceGEMM's, (k + 2)·u·Σ|terms|
    /// doubled: any summation order, blocking or FMA use stays within it.
    static let gemm = OpHarnessEntry(
        .gemm,
        shapes: [OpShape(33, 65, 17, variant: "α=0.75 β=0.5"), OpShape(7, 13, 29, variant: "Aᵀ·Bᵀ"),
                 OpShape(64, 128, 96), OpShape(3, 16, 24, 8, variant: "batched, offsets, Bᵀ, β=1"),
                 OpShape(4, 13, 8, 16, variant: "batched, C as column blocks")],
        tolerances: ["C": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random -> (GEMMDescriptor, a: [Float], b: [Float], c: [Float]) in
            let d = gemmDescriptor(shape)
            let batches = d.batchCount - 1
            let a = random.floats(d.offsetA + batches * d.strideA + (d.transposeA ? d.k : d.m) * d.lda)
            let b = random.floats(d.offsetB + batches * d.strideB + (d.transposeB ? d.n : d.k) * d.ldb)
            let c = random.floats(d.offsetC + batches * d.strideC + d.m * d.ldc)
            return (d, a, b, c)
        },
        run: { device, _, inputs in
            let c = try device.makeBuffer(inputs.c, label: "C")
            try device.gemm(inputs.0, a: device.makeBuffer(inputs.a, label: "A"), b: device.makeBuffer(inputs.b, label: "B"), c: c)
            return try downloadOutputs(["C": c])
        },
        reference: { _, inputs in
            let (values, bound) = ReferenceGEMM.run(inputs.0, a: inputs.a, b: inputs.b, c: inputs.c)
            return ["C": ReferenceOutput(values, bound: bound)]
        })

    private static func gemmDescriptor(_ shape: OpShape) -> GEMMDescriptor {
        switch shape.variant {
        case "α=0.75 β=0.5": return GEMMDescriptor(m: shape[0], n: shape[1], k: shape[2], alpha: 0.75, beta: 0.5)
        case "Aᵀ·Bᵀ": return GEMMDescriptor(m: shape[0], n: shape[1], k: shape[2], transposeA: true, transposeB: true, alpha: -1.25)
        case "batched, offsets, Bᵀ, β=1":
            let (batch, m, n, k) = (shape[0], shape[1], shape[2], shape[3])
            // A shared by every batch (stride 0), C batches one after another past an offset.
            return GEMMDescriptor(m: m, n: n, k: k, transposeB: true, beta: 1, offsetA: 3, offsetB: 5, offsetC: 7,
                                  batchCount: batch, strideA: 0, strideB: n * k + 2, strideC: m * n + 1)
        case "batched, C as column blocks":
            // Attention's layout: batch b (a head) writes columns b·n ..< (b + 1)·n of one tokens × (heads·n) matrix.
            let (batch, m, n, k) = (shape[0], shape[1], shape[2], shape[3])
            return GEMMDescriptor(m: m, n: n, k: k, ldc: batch * n, batchCount: batch, strideC: n)
        default: return GEMMDescriptor(m: shape[0], n: shape[1], k: shape[2])
        }
    }
}
