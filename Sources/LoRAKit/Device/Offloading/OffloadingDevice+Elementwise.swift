// Each operation names its operands and which of them it writes, then runs where it is supported
// (`OffloadingDevice.route`).
extension OffloadingDevice {
    public func gemm(_ descriptor: GEMMDescriptor, a: DeviceBuffer, b: DeviceBuffer, c: DeviceBuffer) throws {
        try route(.gemm, operands: [a, b, c], written: [c]) { try $0.gemm(descriptor, a: $1(a), b: $1(b), c: $1(c)) }
    }

    public func axpy(alpha: Float, x: DeviceBuffer, y: DeviceBuffer) throws {
        try route(.axpy, operands: [x, y], written: [y]) { try $0.axpy(alpha: alpha, x: $1(x), y: $1(y)) }
    }

    public func scale(_ x: DeviceBuffer, by alpha: Float) throws {
        try route(.scale, operands: [x], written: [x]) { try $0.scale($1(x), by: alpha) }
    }

    public func fill(_ x: DeviceBuffer, with value: Float) throws {
        try route(.fill, operands: [x], written: [x]) { try $0.fill($1(x), with: value) }
    }

    public func broadcastRows(_ row: DeviceBuffer, rows: Int, into out: DeviceBuffer) throws {
        try route(.broadcastRows, operands: [row, out], written: [out]) { try $0.broadcastRows($1(row), rows: rows, into: $1(out)) }
    }

    public func add(_ a: DeviceBuffer, _ b: DeviceBuffer, into out: DeviceBuffer) throws {
        try route(.add, operands: [a, b, out], written: [out]) { try $0.add($1(a), $1(b), into: $1(out)) }
    }

    public func rowSumOfSquares(_ x: DeviceBuffer, rows: Int, columns: Int, into out: DeviceBuffer) throws {
        try route(.rowSumOfSquares, operands: [x, out], written: [out]) {
            try $0.rowSumOfSquares($1(x), rows: rows, columns: columns, into: $1(out))
        }
    }

    public func partialSumsOfSquares(_ x: DeviceBuffer, parts: Int, into partials: DeviceBuffer, at offset: Int) throws {
        try route(.partialSumsOfSquares, operands: [x, partials], written: [partials]) {
            try $0.partialSumsOfSquares($1(x), parts: parts, into: $1(partials), at: offset)
        }
    }

    public func convert(_ source: DeviceBuffer, into destination: DeviceBuffer) throws {
        try route(.convert, operands: [source, destination], written: [destination]) { try $0.convert($1(source), into: $1(destination)) }
    }

    public func widen(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws {
        try route(.widen, operands: [source, out], written: [out]) { try $0.widen($1(source), range: range, into: $1(out)) }
    }

    public func adamW(parameters p: DeviceBuffer, gradients g: DeviceBuffer, firstMoment m: DeviceBuffer,
                      secondMoment v: DeviceBuffer, step: AdamWStep) throws {
        try route(.adamW, operands: [p, g, m, v], written: [p, m, v]) {
            try $0.adamW(parameters: $1(p), gradients: $1(g), firstMoment: $1(m), secondMoment: $1(v), step: step)
        }
    }
}
