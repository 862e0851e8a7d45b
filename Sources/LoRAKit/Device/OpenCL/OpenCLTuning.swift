/// Work-group sizes and memory paths. Each kernel gets one size, chosen from the device's limit
/// and the kernel's own (`OpenCLKernel`) and then kept: pocl compiles a kernel again for every
/// new work-group size, and a reduction's sum tree, so its rounding, depends on the size.
struct OpenCLTuning: Sendable {
    /// CL_DEVICE_MAX_WORK_GROUP_SIZE.
    let deviceMaxWorkGroup: Int
    /// The group sizes aimed at before the limits. 256 for one-work-item-per-element kernels:
    /// several warps or wavefronts per group on a GPU (latency hiding) without starving small
    /// launches of groups; on pocl no slower than 64, 1024 or 4096. A reduction gets 256 on a
    /// GPU, but one SIMD width on a CPU device (the kernel's preferred multiple: nil here): pocl
    /// runs a group as a loop over its work-items on one core and splits that loop at every
    /// barrier, so each step of the tree costs more lanes than it saves (pocl's causal softmax
    /// runs 2.5× faster in groups of 8 than of 64, and slower still at 256).
    let itemsTarget: Int
    let reductionTarget: Int?
    /// lora_forward_expand's tile (LORA_TILE_O × LORA_TILE_M, build defines): 64 output
    /// features (two warps, one wavefront) by 4 rows, shrunk to fit the device's groups; staged
    /// through local memory on a GPU, read directly on a CPU (LORA_STAGE_TILES, Kernels/lora.cl).
    let loraTile: OpenCLTile
    let stagesLoRATiles: Bool

    init(info: DeviceInfo, profile: KernelLibrary.Profile) {
        deviceMaxWorkGroup = max(1, info.maxWorkGroupSize)
        let cpu = profile == .cpu || (profile == .native && info.kind == .cpu)
        itemsTarget = 256
        reductionTarget = cpu ? nil : 256
        let columns = min(64, Self.powerOfTwo(atMost: deviceMaxWorkGroup))
        loraTile = OpenCLTile(columns: columns, rows: max(1, min(4, deviceMaxWorkGroup / columns)))
        stagesLoRATiles = !cpu
    }

    /// The `-D` options of the tile shapes and memory paths.
    var buildDefines: [String] {
        ["-DLORA_TILE_O=\(loraTile.columns)", "-DLORA_TILE_M=\(loraTile.rows)", "-DLORA_STAGE_TILES=\(stagesLoRATiles ? 1 : 0)"]
    }

    /// An elementwise kernel's group: the largest multiple of its preferred SIMD width within the
    /// target and both limits (the limit itself when it is below that width).
    func itemsGroup(_ kernel: OpenCLKernel) -> Int {
        let bound = min(itemsTarget, kernel.maxWorkGroup, deviceMaxWorkGroup)
        return bound >= kernel.preferredMultiple ? bound / kernel.preferredMultiple * kernel.preferredMultiple : bound
    }

    /// A reduction's group: the largest power of two within the target and both limits (the
    /// kernels' tree halves the group at each step).
    func reductionGroup(_ kernel: OpenCLKernel) -> Int {
        Self.powerOfTwo(atMost: min(reductionTarget ?? kernel.preferredMultiple, kernel.maxWorkGroup, deviceMaxWorkGroup))
    }

    static func powerOfTwo(atMost bound: Int) -> Int {
        var size = 1
        while size * 2 <= bound { size *= 2 }
        return size
    }
}
