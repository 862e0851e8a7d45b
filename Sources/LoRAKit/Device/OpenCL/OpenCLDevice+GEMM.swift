import CCLBlast
import COpenCL

extension OpenCLDevice {
    public func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        try descriptor.validate(a: a, b: b, c: c, on: self)
        operations.add(\.gemmCalls)
        let d = descriptor
        var queue: cl_command_queue? = context.queue
        let transA = d.transposeA ? CLBlastTransposeYes : CLBlastTransposeNo
        let transB = d.transposeB ? CLBlastTransposeYes : CLBlastTransposeNo
        // No event is requested: CLBlast's event covers only its last kernel, so timing it would mislead.
        let status: CLBlastStatusCode
        let call: String
        if d.batchCount == 1 {
            call = "CLBlastSgemm"
            status = CLBlastSgemm(CLBlastLayoutRowMajor, transA, transB, d.m, d.n, d.k, d.alpha,
                                  mem(a), d.offsetA, d.lda, mem(b), d.offsetB, d.ldb, d.beta,
                                  mem(c), d.offsetC, d.ldc, &queue, nil)
        } else {
            call = "CLBlastSgemmStridedBatched"
            status = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, transA, transB, d.m, d.n, d.k, d.alpha,
                                                mem(a), d.offsetA, d.lda, d.strideA, mem(b), d.offsetB, d.ldb, d.strideB,
                                                d.beta, mem(c), d.offsetC, d.ldc, d.strideC, d.batchCount, &queue, nil)
        }
        if status != CLBlastSuccess {
            throw DeviceError.clblast(call: call, status: status.rawValue)
        }
    }
}
