/// Small vector kernels for the host backend's row loops, written with SIMD types so that they
/// vectorise regardless of what the optimiser proves about pointer aliasing. No `addProduct`:
/// the baseline x86-64 target has no FMA instruction, so it becomes one `fmaf` call per lane.
enum HostVector {
    /// `y[0..<count] += alpha · x[0..<count]`.
    @inline(__always)
    static func addScaled(_ alpha: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let splat = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            let v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                + splat * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }
}
