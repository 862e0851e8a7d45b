extension OpenCLDevice {
    public func rowSumOfSquares(_ x: DeviceBuffer, rows: Int, columns: Int, into out: DeviceBuffer) throws {
        try ReductionContract.rowSumOfSquares(x: x, rows: rows, columns: columns, out: out, on: self)
        guard columns <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: "rowSumOfSquares", detail: "columns \(columns) exceed the kernel's 32-bit index")
        }
        // One work-group per row.
        try launch("reduction_row_sum_squares", program: "reduction",
                   arguments: [.int(Int32(columns)), .buffer(x), .buffer(out)],
                   over: .groups(rows))
    }

    public func partialSumsOfSquares(_ x: DeviceBuffer, parts: Int, into partials: DeviceBuffer, at offset: Int) throws {
        try ReductionContract.partialSumsOfSquares(x: x, parts: parts, partials: partials, offset: offset, on: self)
        guard offset + parts <= Int(Int32.max) else {
            throw DeviceError.invalidShape(operation: "partialSumsOfSquares", detail: "offset + parts exceed the kernel's 32-bit index")
        }
        // One work-group per part.
        try launch("reduction_partial_sum_squares", program: "reduction",
                   arguments: [.ulong(UInt64(x.count)), .int(Int32(parts)), .int(Int32(offset)), .buffer(x), .buffer(partials)],
                   over: .groups(parts))
    }
}
