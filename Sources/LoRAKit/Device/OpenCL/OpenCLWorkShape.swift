/// How a launch spreads its work-items: what a kernel expects of `get_global_id` and
/// `get_local_size`. The NDRange itself (`OpenCLRange`) follows from the kernel's limits.
enum OpenCLWorkShape {
    /// `count` work-items, one per element; groups of the kernel's chosen size. Kernels
    /// bounds-check, since the range is rounded up to whole groups.
    case items(Int)
    /// columns × rows work-items, dimension 0 along the columns (neighbouring work-items read
    /// neighbouring addresses), in groups of (chosen size, 1). Kernels bounds-check the columns.
    case grid(columns: Int, rows: Int)
    /// `count` work-groups, one per row or part, of the kernel's power-of-two reduction size;
    /// the group's `__local float` scratch (one per work-item) is appended as the last argument.
    case groups(Int)
    /// columns × rows work-items in tiles of exactly `tile` (kernels compiled for that shape with
    /// reqd_work_group_size); kernels bounds-check both dimensions.
    case tiles(columns: Int, rows: Int, tile: OpenCLTile)
}

/// A fixed 2-D work-group shape.
struct OpenCLTile: Sendable, Equatable {
    var columns: Int
    var rows: Int
}

/// The NDRange of one launch.
struct OpenCLRange {
    var global: [Int]
    var local: [Int]
    /// Floats of `__local` scratch to append as the last kernel argument (reductions).
    var localFloats: Int?

    var isEmpty: Bool { global.contains(0) }

    /// Throws when the kernel cannot take the shape's group, or when the rounded range exceeds
    /// 2³² work-items: kernels index in 32 bits (64-bit integer division is emulated on GPUs,
    /// dozens of instructions per element).
    init(_ shape: OpenCLWorkShape, kernel: OpenCLKernel, tuning: OpenCLTuning, name: String) throws {
        func roundUp(_ count: Int, _ group: Int) -> Int { (count + group - 1) / group * group }
        switch shape {
        case .items(let count):
            let group = tuning.itemsGroup(kernel)
            (global, local) = ([roundUp(count, group)], [group])
        case .grid(let columns, let rows):
            let group = tuning.itemsGroup(kernel)
            (global, local) = ([roundUp(columns, group), rows], [group, 1])
        case .groups(let count):
            let group = tuning.reductionGroup(kernel)
            (global, local, localFloats) = ([count * group], [group], group)
        case .tiles(let columns, let rows, let tile):
            guard tile.columns * tile.rows <= kernel.maxWorkGroup else {
                throw DeviceError.invalidShape(operation: name, detail: "its \(tile.columns)×\(tile.rows) tile exceeds the kernel's "
                                               + "\(kernel.maxWorkGroup)-work-item groups on this device")
            }
            (global, local) = ([roundUp(columns, tile.columns), roundUp(rows, tile.rows)], [tile.columns, tile.rows])
        }
        guard global.reduce(1, *) <= Int(UInt32.max) else {
            throw DeviceError.invalidShape(operation: name, detail: "\(global.map(String.init).joined(separator: "×")) work-items "
                                           + "exceed the kernels' 32-bit index range")
        }
    }
}
