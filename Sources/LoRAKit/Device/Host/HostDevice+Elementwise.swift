extension HostDevice {
    public func axpy(alpha: Float, x: DeviceBuffer, y: DeviceBuffer) throws {
        try ElementwiseContract.axpy(x: x, y: y, on: self)
        let px = floats(x), py = floats(y)
        ParallelLoop.chunks(x.count) { range in
            for i in range { py[i] += alpha * px[i] }
        }
    }

    public func scale(_ x: DeviceBuffer, by alpha: Float) throws {
        try ElementwiseContract.scale(x: x, on: self)
        let px = floats(x)
        ParallelLoop.chunks(x.count) { range in
            for i in range { px[i] *= alpha }
        }
    }

    public func fill(_ x: DeviceBuffer, with value: Float) throws {
        try ElementwiseContract.fill(x: x, on: self)
        floats(x).update(repeating: value, count: x.count)
    }

    public func broadcastRows(_ row: DeviceBuffer, rows: Int, into out: DeviceBuffer) throws {
        try ElementwiseContract.broadcastRows(row: row, rows: rows, out: out, on: self)
        let source = UnsafePointer(floats(row)), destination = floats(out), n = row.count
        for r in 0..<rows { (destination + r * n).update(from: source, count: n) }
    }

    public func add(_ a: DeviceBuffer, _ b: DeviceBuffer, into out: DeviceBuffer) throws {
        try ElementwiseContract.add(a: a, b: b, out: out, on: self)
        let pa = floats(a), pb = floats(b), po = floats(out)
        ParallelLoop.chunks(a.count) { range in
            for i in range { po[i] = pa[i] + pb[i] }
        }
    }

    public func convert(_ source: DeviceBuffer, into destination: DeviceBuffer) throws {
        let (narrowing, storage) = try ElementwiseContract.convert(source: source, destination: destination, on: self)
        guard narrowing else { return widenChecked(source, range: 0..<source.count, into: destination) }
        let count = source.count, from = floats(source)
        if storage == .float16 {
            let to = memory(destination).halves(count: count)
            ParallelLoop.chunks(count) { range in
                for i in range { to[i] = Float16(from[i]) }
            }
        } else {
            let to = memory(destination).bfloat16s(count: count)
            ParallelLoop.chunks(count) { range in
                for i in range { to[i] = BFloat16(from[i]) }
            }
        }
    }

    public func widen(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws {
        try ElementwiseContract.widen(source: source, range: range, out: out, on: self)
        widenChecked(source, range: range, into: out)
    }

    private func widenChecked(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) {
        let to = floats(out), first = range.lowerBound
        if source.elementType == .float16 {
            let from = memory(source).halves(count: source.count) + first
            ParallelLoop.chunks(range.count) { chunk in
                for i in chunk { to[i] = Float(from[i]) }
            }
        } else {
            let from = memory(source).bfloat16s(count: source.count) + first
            ParallelLoop.chunks(range.count) { chunk in
                for i in chunk { to[i] = Float(from[i]) }
            }
        }
    }
}
