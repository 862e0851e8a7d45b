extension GGUFParser {
    /// Reads `count` tensor infos, checking names, dimensions and types.
    mutating func readTensorInfos(count: Int) throws(GGUFError) -> [TensorEntry] {
        var entries: [TensorEntry] = []
        entries.reserveCapacity(count)
        var firstIndex: [String: Int] = [:]
        for i in 0..<count {
            let name = try reader.readString("tensor #\(i) name")
            let field = "tensor #\(i) '\(name)'"
            if let first = firstIndex[name] {
                throw reader.error(field, "duplicate tensor name (first defined as tensor #\(first))")
            }
            firstIndex[name] = i
            let (dims, elements) = try readDimensions(field)
            let rawType = try reader.read(UInt32.self, field + " type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw reader.error(field + " type", "unknown tensor type \(rawType)")
            }
            let rawOffset = try reader.read(UInt64.self, field + " offset")
            guard rawOffset <= UInt64(Int.max / 2) else {
                throw reader.error(field + " offset", "offset \(rawOffset) lies outside the file")
            }
            entries.append(TensorEntry(name: name, dimensions: dims, type: type,
                                       offset: Int(rawOffset), elementCount: elements))
        }
        return entries
    }

    /// Reads the dimension count and dimensions; each must be ≥ 1 and their product fit.
    private mutating func readDimensions(_ field: String) throws(GGUFError) -> ([Int], Int) {
        let n = try reader.read(UInt32.self, field + " dimension count")
        guard (1...4).contains(n) else {
            throw reader.error(field + " dimension count", "\(n) dimensions (GGUF allows 1 to 4)")
        }
        var dims: [Int] = []
        var product = 1
        for d in 0..<Int(n) {
            let raw = try reader.read(UInt64.self, field + " dimension \(d)")
            guard raw != 0 else { throw reader.error(field + " dimension \(d)", "dimension is 0") }
            guard raw <= UInt64(Int64.max) else {
                throw reader.error(field + " dimension \(d)", "dimension is negative (\(Int64(bitPattern: raw)))")
            }
            let (next, overflow) = product.multipliedReportingOverflow(by: Int(raw))
            guard !overflow else {
                throw reader.error(field + " dimensions", "element count overflows (dimension \(d) = \(raw))")
            }
            product = next
            dims.append(Int(raw))
        }
        return (dims, product)
    }

    /// Checks block sizes, byte counts, alignment, bounds and overlaps of the tensor data.
    mutating func checkTensorData(_ layout: inout Layout) throws(GGUFError) {
        let fileSize = reader.base.count
        if !layout.tensors.isEmpty, layout.dataOffset > fileSize {
            throw reader.error("data section", "file truncated: data starts at \(layout.dataOffset), file has \(fileSize) bytes")
        }
        let dataSize = max(0, fileSize - layout.dataOffset)
        for i in layout.tensors.indices {
            let t = layout.tensors[i]
            let field = "tensor #\(i) '\(t.name)'"
            guard t.dimensions[0] % t.type.blockSize == 0 else {
                throw reader.error(field + " dimension 0", "ne[0] = \(t.dimensions[0]) is not a multiple of the \(t.type) block size \(t.type.blockSize)")
            }
            guard let bytes = t.type.byteCount(elements: t.elementCount) else {
                throw reader.error(field + " dimensions", "byte count overflows")
            }
            guard t.offset % layout.alignment == 0 else {
                throw reader.error(field + " offset", "offset \(t.offset) is not a multiple of the alignment \(layout.alignment)")
            }
            guard bytes <= dataSize, t.offset <= dataSize - bytes else {
                throw reader.error(field + " offset", "data [\(t.offset), \(t.offset &+ bytes)) lies outside the \(dataSize)-byte data section (file truncated?)")
            }
            layout.tensors[i].byteCount = bytes
        }
        try checkOverlaps(layout.tensors)
    }

    private func checkOverlaps(_ tensors: [TensorEntry]) throws(GGUFError) {
        // Ties broken by index so the later tensor is the one reported.
        let order = tensors.indices.sorted { (tensors[$0].offset, $0) < (tensors[$1].offset, $1) }
        for (previous, current) in zip(order, order.dropFirst()) {
            let p = tensors[previous], c = tensors[current]
            if c.offset < p.offset + p.byteCount {
                throw reader.error("tensor #\(current) '\(c.name)' offset",
                                   "data [\(c.offset), \(c.offset + c.byteCount)) overlaps tensor #\(previous) '\(p.name)' [\(p.offset), \(p.offset + p.byteCount))")
            }
        }
    }
}
