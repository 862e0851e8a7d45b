/// A naive double-precision LoRA layer, the reference for `LoRALinear` on every device. Alongside
/// each value it computes the same sum over absolute values, from which the tests derive error
/// bounds: a float32 sum of n products is within about (n + 2)·u·Σ|terms| of the exact one.
struct ReferenceLoRA {
    let rows: Int, inFeatures: Int, outFeatures: Int, rank: Int
    let x: [Float]       // rows×in
    let w: [Float]       // out×in
    let bias: [Float]?   // out
    let a: [Float]       // r×in
    let b: [Float]       // out×r
    let scale: Double
    /// Dropout factors (0 or 1/(1 − p)) per element of X, or nil without dropout.
    let mask: [Float]?

    /// A value and the matching sum of absolute values.
    struct Tracked {
        var value: [Double]
        var magnitude: [Double]
    }

    private func dropped(_ i: Int) -> Double { Double(x[i]) * Double(mask?[i] ?? 1) }

    /// T = drop(X)·Aᵀ, rows×r.
    var t: Tracked {
        var result = Tracked(value: [], magnitude: [])
        for m in 0..<rows {
            for j in 0..<rank {
                var sum = 0.0, magnitude = 0.0
                for i in 0..<inFeatures {
                    let term = dropped(m * inFeatures + i) * Double(a[j * inFeatures + i])
                    sum += term
                    magnitude += abs(term)
                }
                result.value.append(sum)
                result.magnitude.append(magnitude)
            }
        }
        return result
    }

    /// Y = X·Wᵀ + bias + s·T·Bᵀ, rows×out.
    var y: Tracked {
        let t = self.t
        var result = Tracked(value: [], magnitude: [])
        for m in 0..<rows {
            for o in 0..<outFeatures {
                var sum = Double(bias?[o] ?? 0), magnitude = abs(sum)
                for i in 0..<inFeatures {
                    let term = Double(x[m * inFeatures + i]) * Double(w[o * inFeatures + i])
                    sum += term
                    magnitude += abs(term)
                }
                for j in 0..<rank {
                    sum += scale * t.value[m * rank + j] * Double(b[o * rank + j])
                    magnitude += abs(scale) * t.magnitude[m * rank + j] * abs(Double(b[o * rank + j]))
                }
                result.value.append(sum)
                result.magnitude.append(magnitude)
            }
        }
        return result
    }

    /// Gradients for output gradient dY (rows×out): dA (r×in), dB (out×r), dX (rows×in).
    func gradients(dY: [Float]) -> (dA: Tracked, dB: Tracked, dX: Tracked) {
        let t = self.t
        // dT = s·dY·B
        var dT = Tracked(value: [], magnitude: [])
        for m in 0..<rows {
            for j in 0..<rank {
                var sum = 0.0, magnitude = 0.0
                for o in 0..<outFeatures {
                    let term = scale * Double(dY[m * outFeatures + o]) * Double(b[o * rank + j])
                    sum += term
                    magnitude += abs(term)
                }
                dT.value.append(sum)
                dT.magnitude.append(magnitude)
            }
        }
        var dA = Tracked(value: [], magnitude: [])
        for j in 0..<rank {
            for i in 0..<inFeatures {
                var sum = 0.0, magnitude = 0.0
                for m in 0..<rows {
                    sum += dT.value[m * rank + j] * dropped(m * inFeatures + i)
                    magnitude += dT.magnitude[m * rank + j] * abs(dropped(m * inFeatures + i))
                }
                dA.value.append(sum)
                dA.magnitude.append(magnitude)
            }
        }
        var dB = Tracked(value: [], magnitude: [])
        for o in 0..<outFeatures {
            for j in 0..<rank {
                var sum = 0.0, magnitude = 0.0
                for m in 0..<rows {
                    let term = scale * Double(dY[m * outFeatures + o]) * t.value[m * rank + j]
                    sum += term
                    magnitude += abs(scale * Double(dY[m * outFeatures + o])) * t.magnitude[m * rank + j]
                }
                dB.value.append(sum)
                dB.magnitude.append(magnitude)
            }
        }
        var dX = Tracked(value: [], magnitude: [])
        for m in 0..<rows {
            for i in 0..<inFeatures {
                var sum = 0.0, magnitude = 0.0
                for o in 0..<outFeatures {
                    let term = Double(dY[m * outFeatures + o]) * Double(w[o * inFeatures + i])
                    sum += term
                    magnitude += abs(term)
                }
                let factor = Double(mask?[m * inFeatures + i] ?? 1)
                for j in 0..<rank {
                    sum += factor * dT.value[m * rank + j] * Double(a[j * inFeatures + i])
                    magnitude += factor * dT.magnitude[m * rank + j] * abs(Double(a[j * inFeatures + i]))
                }
                dX.value.append(sum)
                dX.magnitude.append(magnitude)
            }
        }
        return (dA, dB, dX)
    }
}

extension ReferenceLoRA.Tracked {
    /// Error bounds for float32 results computed through sums of at most `terms` products
    /// (chained products count their inner sums too).
    func bound(terms: Int) -> [Double] {
        magnitude.map { Double(2 * (terms + 4)) * float32Roundoff * $0 + 1e-30 }
    }
}
