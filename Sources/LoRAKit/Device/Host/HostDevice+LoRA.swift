extension HostDevice {
    public func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws {
        try LoRAContract.dropout(x: x, out: out, probability: probability, on: self)
        let rule = DropoutRule(probability: probability)
        let source = UnsafePointer(floats(x)), destination = floats(out)
        let count = x.count
        let philoxKey = key.philoxKey
        // One Philox call covers four consecutive elements; four calls run at once in SIMD lanes.
        let blockCount = (count + 3) / 4
        ParallelLoop.chunks((blockCount + 3) / 4, minimumChunk: 1 << 10, heavy: true) { groups in
            for group in groups {
                let first = 4 * group
                let blocks = SIMD4<UInt64>(UInt64(first), UInt64(first + 1), UInt64(first + 2), UInt64(first + 3))
                let (w0, w1, w2, w3) = Philox.generate4(
                    c0: SIMD4<UInt32>(truncatingIfNeeded: blocks), c1: SIMD4<UInt32>(truncatingIfNeeded: blocks &>> 32),
                    c2: SIMD4(repeating: key.stream), c3: SIMD4(repeating: key.step), key: philoxKey)
                for lane in 0..<4 {
                    let base = 4 * (first + lane)
                    let words = SIMD4<UInt32>(w0[lane], w1[lane], w2[lane], w3[lane])
                    if base + 4 <= count {
                        for j in 0..<4 {
                            destination[base + j] = words[j] < rule.threshold ? 0 : source[base + j] * rule.keepScale
                        }
                    } else {
                        for j in 0..<max(0, count - base) {
                            destination[base + j] = words[j] < rule.threshold ? 0 : source[base + j] * rule.keepScale
                        }
                    }
                }
            }
        }
    }

    public func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float,
                           rows: Int, outFeatures: Int, rank: Int, into y: DeviceBuffer) throws {
        try LoRAContract.loraExpand(t: t, b: b, bias: bias, y: y, rows: rows, outFeatures: outFeatures, rank: rank, on: self)
        // A rank-r product is still a GEMM, and OpenBLAS's kernels (AVX-512 where the CPU has it)
        // do it ~10× faster than portable Swift SIMD, which cannot assume FMA or AVX. With a bias,
        // Y is first filled with bias rows and the product accumulates onto them.
        if let bias {
            let pbias = UnsafePointer(floats(bias)), py = floats(y), n = outFeatures
            ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 15) / n)) { rowRange in
                for m in rowRange { (py + m * n).update(from: pbias, count: n) }
            }
        }
        try gemm(m: rows, n: outFeatures, k: rank, a: t, b: b, c: y, transposeB: true, alpha: scale, beta: bias == nil ? 0 : 1)
    }

    public func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                          outFeatures: Int, inFeatures: Int, rank: Int) throws {
        try LoRAContract.loraMerge(weight: weight, b: b, a: a, outFeatures: outFeatures, inFeatures: inFeatures,
                                   rank: rank, on: self)
        if try loraMergeFloat32WithGEMM(into: weight, b: b, a: a, scale: scale, outFeatures: outFeatures,
                                        inFeatures: inFeatures, rank: rank) {
            return
        }
        let n = inFeatures, r = rank
        let pb = UnsafePointer(floats(b)), pa = UnsafePointer(floats(a))
        let halves = weight.elementType == .float16 ? memory(weight).halves(count: weight.count) : nil
        let brains = weight.elementType == .bfloat16 ? memory(weight).bfloat16s(count: weight.count) : nil
        ParallelLoop.chunks(outFeatures, minimumChunk: max(1, (1 << 16) / (n * r)), heavy: true) { rowRange in
            let delta = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { delta.deallocate() }
            for o in rowRange {
                delta.initialize(repeating: 0, count: n)
                for j in 0..<r {
                    HostVector.addScaled(pb[o * r + j], pa + j * n, into: delta, count: n)
                }
                if let row = halves.map({ $0 + o * n }) {
                    for i in 0..<n { row[i] = Float16(Float(row[i]) + scale * delta[i]) }
                } else if let row = brains.map({ $0 + o * n }) {
                    for i in 0..<n { row[i] = BFloat16(Float(row[i]) + scale * delta[i]) }
                }
            }
        }
    }
}
