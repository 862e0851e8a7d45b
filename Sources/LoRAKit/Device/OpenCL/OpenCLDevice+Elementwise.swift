import COpenCL

extension OpenCLDevice {
    public func axpy(alpha: Float, x: DeviceBuffer, y: DeviceBuffer) throws {
        try ElementwiseContract.axpy(x: x, y: y, on: self)
        try launchElementwise("elementwise_axpy", count: x.count, [.float(alpha), .buffer(x), .buffer(y)])
    }

    public func scale(_ x: DeviceBuffer, by alpha: Float) throws {
        try ElementwiseContract.scale(x: x, on: self)
        try launchElementwise("elementwise_scale", count: x.count, [.float(alpha), .buffer(x)])
    }

    /// The runtime's own fill (a 4-byte pattern), enqueued like a kernel.
    public func fill(_ x: DeviceBuffer, with value: Float) throws {
        try ElementwiseContract.fill(x: x, on: self)
        var pattern = value
        try checkCL(clEnqueueFillBuffer(context.queue, mem(x), &pattern, MemoryLayout<Float>.size, 0, x.byteCount, 0, nil, nil),
                    "clEnqueueFillBuffer")
    }

    public func broadcastRows(_ row: DeviceBuffer, rows: Int, into out: DeviceBuffer) throws {
        try ElementwiseContract.broadcastRows(row: row, rows: rows, out: out, on: self)
        // launch() refuses more than 2^32 work-items, so the counts fit the kernel's uint.
        try launch("elementwise_broadcast_rows", program: "elementwise",
                   arguments: [.uint(UInt32(out.count)), .uint(UInt32(row.count)), .buffer(row), .buffer(out)],
                   over: .items(out.count))
    }

    public func add(_ a: DeviceBuffer, _ b: DeviceBuffer, into out: DeviceBuffer) throws {
        try ElementwiseContract.add(a: a, b: b, out: out, on: self)
        try launchElementwise("elementwise_add", count: a.count, [.buffer(a), .buffer(b), .buffer(out)])
    }

    public func convert(_ source: DeviceBuffer, into destination: DeviceBuffer) throws {
        let (narrowing, storage) = try ElementwiseContract.convert(source: source, destination: destination, on: self)
        guard narrowing else { return try launchWiden(source, range: 0..<source.count, into: destination) }
        try launchElementwise(storage == .float16 ? "elementwise_float_to_half" : "elementwise_float_to_bfloat16",
                              count: source.count, [.buffer(source), .buffer(destination)])
    }

    public func widen(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws {
        try ElementwiseContract.widen(source: source, range: range, out: out, on: self)
        try launchWiden(source, range: range, into: out)
    }

    private func launchWiden(_ source: DeviceBuffer, range: Range<Int>, into out: DeviceBuffer) throws {
        try launchElementwise(source.elementType == .float16 ? "elementwise_half_to_float" : "elementwise_bfloat16_to_float",
                              count: range.count, [.ulong(UInt64(range.lowerBound)), .buffer(source), .buffer(out)])
    }

    /// Every elementwise kernel takes the element count first, then `arguments`.
    private func launchElementwise(_ kernel: String, count: Int, _ arguments: [Argument]) throws {
        try launch(kernel, program: "elementwise", arguments: [.ulong(UInt64(count))] + arguments,
                   over: .items(count))
    }
}
