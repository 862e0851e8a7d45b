import LoRAKit
import Testing

/// GEMM on every device against the naive double-precision reference (`ReferenceGEMM`), whose
/// per-element bound is the fp32 dot-product error bound. Elements of C outside the product
/// (leading-dimension padding, batch gaps) must come back bit-for-bit unchanged.
@Suite("GEMM")
struct GEMMTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (17, 33, 65), (128, 64, 256)]
    static let transposes: [(Bool, Bool)] = [(false, false), (true, false), (false, true), (true, true)]

    /// Runs `descriptor` on `device` with seeded operands sized to fit it and checks the result.
    static func check(_ d: GEMMDescriptor, on device: any Device, seed: UInt64, padding: Int = 0) throws {
        var values = SeededValues(seed: seed)
        func size(rows: Int, columns: Int, ld: Int, offset: Int, stride: Int) -> Int {
            offset + (d.batchCount - 1) * stride + (rows - 1) * ld + columns + padding
        }
        let (rowsA, columnsA) = d.transposeA ? (d.k, d.m) : (d.m, d.k)
        let (rowsB, columnsB) = d.transposeB ? (d.n, d.k) : (d.k, d.n)
        let a = values.floats(size(rows: rowsA, columns: columnsA, ld: d.lda, offset: d.offsetA, stride: d.strideA))
        let b = values.floats(size(rows: rowsB, columns: columnsB, ld: d.ldb, offset: d.offsetB, stride: d.strideB))
        let c = values.floats(size(rows: d.m, columns: d.n, ld: d.ldc, offset: d.offsetC, stride: d.strideC))
        let bufferA = try device.makeBuffer(a, label: "A")
        let bufferB = try device.makeBuffer(b, label: "B")
        let bufferC = try device.makeBuffer(c, label: "C")
        try device.gemm(d, a: bufferA, b: bufferB, c: bufferC)
        let result: [Float] = try bufferC.download()
        let reference = ReferenceGEMM.run(d, a: a, b: b, c: c)
        expectWithin(result, reference.values, bound: reference.bound, "\(d) on \(device.info.identifier)")
    }

    @Test("shapes × transposes, alpha ≠ 1, beta ≠ 0", arguments: TestDevices.all)
    func shapesAndTransposes(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for (index, shape) in Self.shapes.enumerated() {
            for (transA, transB) in Self.transposes {
                try Self.check(GEMMDescriptor(m: shape.m, n: shape.n, k: shape.k, transposeA: transA, transposeB: transB,
                                              alpha: 0.75, beta: -1.25), on: device, seed: UInt64(index))
            }
            try Self.check(GEMMDescriptor(m: shape.m, n: shape.n, k: shape.k), on: device, seed: 99)
        }
    }

    @Test("padded leading dimensions and non-zero offsets", arguments: TestDevices.all)
    func leadingDimensionsAndOffsets(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for (transA, transB) in Self.transposes {
            let (m, n, k) = (17, 33, 65)
            let d = GEMMDescriptor(m: m, n: n, k: k, transposeA: transA, transposeB: transB, alpha: 1.5, beta: 0.5,
                                   lda: (transA ? m : k) + 3, ldb: (transB ? k : n) + 5, ldc: n + 7,
                                   offsetA: 11, offsetB: 13, offsetC: 19)
            try Self.check(d, on: device, seed: 7, padding: 4)
        }
    }

    @Test("strided batches, including a B shared by every batch", arguments: TestDevices.all)
    func stridedBatched(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (m, n, k) = (9, 14, 21)
        for (transA, transB) in Self.transposes {
            let spaced = GEMMDescriptor(m: m, n: n, k: k, transposeA: transA, transposeB: transB, alpha: -0.5, beta: 2,
                                        offsetA: 5, offsetB: 3, offsetC: 2, batchCount: 4,
                                        strideA: m * k + 6, strideB: k * n + 2, strideC: m * n + 9)
            try Self.check(spaced, on: device, seed: 21)
        }
        let sharedB = GEMMDescriptor(m: m, n: n, k: k, alpha: 1, beta: 0, batchCount: 3, strideB: 0)
        try Self.check(sharedB, on: device, seed: 22)
        // Attention-style: three heads side by side in rows of a tokens × (heads·d) matrix.
        let heads = 3
        let sideBySide = GEMMDescriptor(m: m, n: 5, k: 4, transposeB: true, alpha: 0.5, beta: 1, lda: heads * 4 + 1, ldb: 4,
                                        ldc: heads * 5 + 2, batchCount: heads, strideA: 4, strideB: 0, strideC: 5)
        try Self.check(sideBySide, on: device, seed: 23)
    }

    @Test("OpenCL and host agree", arguments: TestDevices.openCL)
    func openCLMatchesHost(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let host = try TestDevices.host
        let (m, n, k) = (37, 29, 101)
        var values = SeededValues(seed: 5)
        let a = values.floats(m * k), b = values.floats(n * k), c = values.floats(m * n)
        var results: [[Float]] = []
        for target in [host, device] {
            let out = try target.makeBuffer(c, label: "C")
            try target.gemm(GEMMDescriptor(m: m, n: n, k: k, transposeB: true, alpha: 2, beta: 1),
                            a: try target.makeBuffer(a, label: "A"), b: try target.makeBuffer(b, label: "B"), c: out)
            results.append(try out.download())
        }
        // Both are within the reference bound, so they differ by at most twice that bound.
        let reference = ReferenceGEMM.run(GEMMDescriptor(m: m, n: n, k: k, transposeB: true, alpha: 2, beta: 1), a: a, b: b, c: c)
        expectWithin(results[1], results[0].map(Double.init), bound: reference.bound.map { 2 * $0 }, "OpenCL vs host")
    }

    @Test("invalid operands are rejected before any backend call", arguments: TestDevices.all)
    func rejectsBadInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let a = try device.makeBuffer(.float32, count: 6, label: "A")
        let b = try device.makeBuffer(.float32, count: 12, label: "B")
        let c = try device.makeBuffer(.float32, count: 8, label: "C")
        try device.gemm(m: 2, n: 4, k: 3, a: a, b: b, c: c)

        func expectShapeError(_ d: GEMMDescriptor, mentioning text: String, a: DeviceBuffer = a, b: DeviceBuffer = b, c: DeviceBuffer = c) {
            do {
                try device.gemm(d, a: a, b: b, c: c)
                Issue.record("expected an invalid-shape error for \(d)")
            } catch let DeviceError.invalidShape(operation, detail) {
                #expect(operation == "gemm")
                #expect(detail.contains(text), "'\(detail)' should mention '\(text)'")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        expectShapeError(GEMMDescriptor(m: 3, n: 4, k: 3), mentioning: "A needs 9 elements")
        expectShapeError(GEMMDescriptor(m: 2, n: 4, k: 4), mentioning: "needs")
        expectShapeError(GEMMDescriptor(m: 2, n: 4, k: 3, offsetC: 1), mentioning: "C needs 9 elements")
        expectShapeError(GEMMDescriptor(m: 2, n: 4, k: 3, lda: 2), mentioning: "lda 2")
        expectShapeError(GEMMDescriptor(m: 0, n: 4, k: 3), mentioning: "at least 1")
        expectShapeError(GEMMDescriptor(m: 2, n: 4, k: 3, offsetA: -1), mentioning: "negative")
        expectShapeError(GEMMDescriptor(m: 1, n: 4, k: 3, batchCount: 2, strideC: 2), mentioning: "overlap")

        let bytes = try device.makeBuffer(.uint8, count: 6, label: "bytes")
        #expect {
            try device.gemm(m: 2, n: 4, k: 3, a: bytes, b: b, c: c)
        } throws: { error in
            guard case let DeviceError.typeMismatch(operation, operand, expected, actual) = error else { return false }
            return operation == "gemm" && operand.contains("A") && expected == .float32 && actual == .uint8
        }
    }

    @Test("a buffer from another device is rejected", arguments: TestDevices.openCL)
    func rejectsForeignBuffer(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let hostB = try TestDevices.host.makeBuffer(.float32, count: 12, label: "hostB")
        let a = try device.makeBuffer(.float32, count: 6, label: "A")
        let c = try device.makeBuffer(.float32, count: 8, label: "C")
        #expect {
            try device.gemm(m: 2, n: 4, k: 3, a: a, b: hostB, c: c)
        } throws: { error in
            guard case let DeviceError.wrongDevice(_, operand, expected, actual) = error else { return false }
            return operand.contains("hostB") && expected == info.identifier && actual == "host"
        }
    }
}
