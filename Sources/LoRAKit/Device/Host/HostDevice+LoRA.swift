extension HostDevice {
    public func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws {
        try LoRAContract.dropout(x: x, out: out, probability: probability, on: self)
        let rule = DropoutRule(probability: probability)
        let source = UnsafePointer(floats(x)), destination = floats(out)
        let count = x.count
        let philoxKey = key.philoxKey
        // One Philox call covers four consecutive elements.
        ParallelLoop.chunks((count + 3) / 4, minimumChunk: 1 << 12) { blocks in
            for block in blocks {
                let words = Philox.generate(counter: key.counter(block: block), key: philoxKey)
                for lane in 0..<min(4, count - 4 * block) {
                    let index = 4 * block + lane
                    destination[index] = words[lane] < rule.threshold ? 0 : source[index] * rule.keepScale
                }
            }
        }
    }

    public func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float,
                           rows: Int, outFeatures: Int, rank: Int, into y: DeviceBuffer) throws {
        try LoRAContract.loraExpand(t: t, b: b, bias: bias, y: y, rows: rows, outFeatures: outFeatures, rank: rank, on: self)
        let n = outFeatures, r = rank
        // Bᵀ (rank×n) makes the inner loop a contiguous row update that vectorises.
        let pb = floats(b)
        var transposedB = [Float](repeating: 0, count: r * n)
        for o in 0..<n {
            for j in 0..<r { transposedB[j * n + o] = pb[o * r + j] }
        }
        let pt = UnsafePointer(floats(t)), py = floats(y)
        let pbias = bias.map { UnsafePointer(floats($0)) }
        transposedB.withUnsafeBufferPointer { bt in
            let bt = bt.baseAddress!
            ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 16) / (n * r))) { rowRange in
                for m in rowRange {
                    let row = py + m * n
                    row.initialize(repeating: 0, count: n)
                    for j in 0..<r {
                        HostVector.addScaled(pt[m * r + j], bt + j * n, into: row, count: n)
                    }
                    // Same order as the OpenCL kernel: the rank-r sum first, then bias + scale·sum.
                    if let pbias {
                        for o in 0..<n { row[o] = pbias[o] + scale * row[o] }
                    } else {
                        for o in 0..<n { row[o] = scale * row[o] }
                    }
                }
            }
        }
    }

    public func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                          outFeatures: Int, inFeatures: Int, rank: Int) throws {
        try LoRAContract.loraMerge(weight: weight, b: b, a: a, outFeatures: outFeatures, inFeatures: inFeatures,
                                   rank: rank, on: self)
        if weight.elementType == .float32 {
            try gemm(m: outFeatures, n: inFeatures, k: rank, a: b, b: a, c: weight, alpha: scale, beta: 1)
            return
        }
        let n = inFeatures, r = rank
        let pb = UnsafePointer(floats(b)), pa = UnsafePointer(floats(a))
        let pw = memory(weight).halves(count: weight.count)
        ParallelLoop.chunks(outFeatures, minimumChunk: max(1, (1 << 16) / (n * r))) { rowRange in
            let delta = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { delta.deallocate() }
            for o in rowRange {
                delta.initialize(repeating: 0, count: n)
                for j in 0..<r {
                    HostVector.addScaled(pb[o * r + j], pa + j * n, into: delta, count: n)
                }
                let row = pw + o * n
                for i in 0..<n { row[i] = Float16(Float(row[i]) + scale * delta[i]) }
            }
        }
    }
}
