/// Vector math for the host backend's hot loops. glibc's `expf` is accurate but scalar, one call
/// per element: with a 32000-token vocabulary the cross-entropy spent a third of its time in
/// it, and the cross-entropy was an eighth of a training step. `exp` here works on 16
/// lanes at once with the classic range reduction e^x = 2^n · e^r, |r| ≤ ln2/2, and a degree-6
/// polynomial for e^r (Cephes' expf coefficients): within 1 ulp of the exact value (tested)
/// over the range where e^x is a normal float, exactly 0 below it. Products and sums are written
/// as separate `*` and `+`, never `addProduct`: the baseline x86-64 target has no FMA, so that
/// would become one `fmaf` call per lane.
enum HostMath {
    typealias Vector = SIMD16<Float>

    private static let log2e = Vector(repeating: 1.442_695_04)
    // ln 2 split in two so that n·ln2 is subtracted without rounding error for |n| < 2^8.
    private static let ln2High = Vector(repeating: 0.693_359_375)
    private static let ln2Low = Vector(repeating: -2.121_944_40e-4)
    /// 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, which then sits
    /// in the low mantissa bits.
    private static let roundingShift = Vector(repeating: 12_582_912)
    /// Below ln(2^-126) e^x is not a normal float; the result is flushed to 0.
    private static let lowest = Vector(repeating: -87.336_54)
    /// Above ln of the largest float e^x overflows to +∞.
    private static let highest = Vector(repeating: 88.722_83)

    /// e^x per lane. NaN stays NaN, x > 88.7228 gives +∞ (a sigmoid's 1/(1 + e^−x) then gives 0),
    /// x < −87.3365 gives 0.
    @inline(__always)
    static func exp(_ input: Vector) -> Vector {
        var x = input.replacing(with: highest, where: input .> highest)
        x.replace(with: lowest, where: x .< lowest)
        let shifted = x * log2e + roundingShift
        let rounded = shifted - roundingShift
        let r = x - rounded * ln2High - rounded * ln2Low
        let r2 = r * r
        var p = Vector(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let er = p * r2 + r + 1
        // 2^n from the integer in `shifted`'s low bits: (k + 127) << 23 is the float 2^k. n runs
        // from −126 to 128, so it is applied in two halves that are both normal floats.
        let n = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let half = n &>> 1
        let power1 = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let power2 = unsafeBitCast((n &- half &+ 127) &<< 23, to: Vector.self)
        return (er * power1 * power2).replacing(with: 0, where: input .< lowest).replacing(with: .infinity, where: input .> highest)
    }

    /// e^x for one value, through the vector path (so scalar tails round as the vector body does).
    @inline(__always)
    static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }

    /// Largest element of p[0..<count] (count ≥ 1); NaN if any element is NaN.
    static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = Vector(repeating: -.infinity)
        var sawNaN = false
        var j = 0
        while j + 16 <= count {
            let v = load(p, j)
            sawNaN = sawNaN || any(v .!= v)
            lanes = lanes.replacing(with: v, where: v .> lanes)
            j += 16
        }
        var largest = lanes.max()
        while j < count {
            sawNaN = sawNaN || p[j].isNaN
            largest = Swift.max(largest, p[j])
            j += 1
        }
        return sawNaN ? .nan : largest
    }

    /// Σ e^(scale·p[j] − shift) over j < count; when `store` is given, also writes each term into
    /// it (`store` may be `p` itself).
    static func sumOfExponentials(_ p: UnsafePointer<Float>, count: Int, scale: Float, shift: Float,
                                  store: UnsafeMutablePointer<Float>?) -> Float {
        let vScale = Vector(repeating: scale), vShift = Vector(repeating: shift)
        var lanes = Vector.zero
        var j = 0
        while j + 16 <= count {
            let e = exp(load(p, j) * vScale - vShift)
            if let store { HostMath.store(e, store, j) }
            lanes += e
            j += 16
        }
        var sum = lanes.sum()
        while j < count {
            let e = exp(p[j] * scale - shift)
            store?[j] = e
            sum += e
            j += 1
        }
        return sum
    }

    /// p[j] *= factor for j < count.
    static func scale(_ p: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let f = Vector(repeating: factor)
        forEachVector(0..<count) { j in store(load(p, j) * f, p, j) } scalar: { j in p[j] *= factor }
    }
}

extension HostMath {
    /// Σ a[j]·b[j] over j < count, in 16 lanes.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = Vector.zero
        var j = 0
        while j + 16 <= count {
            lanes += load(a, j) * load(b, j)
            j += 16
        }
        var sum = lanes.sum()
        while j < count {
            sum += a[j] * b[j]
            j += 1
        }
        return sum
    }

    /// out[j] = scale·p[j]·(dP[j] − dot) for j < count: a softmax row's backward (out may be dP).
    static func softmaxBackward(_ p: UnsafePointer<Float>, _ dP: UnsafePointer<Float>, dot: Float, scale: Float, count: Int,
                                into out: UnsafeMutablePointer<Float>) {
        let vDot = Vector(repeating: dot), vScale = Vector(repeating: scale)
        forEachVector(0..<count) { j in
            store(vScale * load(p, j) * (load(dP, j) - vDot), out, j)
        } scalar: { j in
            out[j] = scale * p[j] * (dP[j] - dot)
        }
    }

    /// Calls `vector(i)` for i = lower, lower+16, … while 16 elements remain, then `scalar(i)` for the rest.
    @inline(__always)
    static func forEachVector(_ range: Range<Int>, _ vector: (Int) -> Void, scalar: (Int) -> Void) {
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            vector(i)
            i += 16
        }
        while i < range.upperBound {
            scalar(i)
            i += 1
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Vector {
        UnsafeRawPointer(p + i).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Vector { load(UnsafePointer(p), i) }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Vector.self)
    }
}
