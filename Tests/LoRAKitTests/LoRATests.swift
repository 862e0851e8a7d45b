import LoRAKit
import Testing

/// One layer configuration of the reference tests.
struct LoRACase: CustomTestStringConvertible, Sendable {
    let rows: Int, inFeatures: Int, outFeatures: Int, rank: Int
    let bias: Bool
    let dropout: Float
    let rsLoRA: Bool

    var testDescription: String {
        "M\(rows) in\(inFeatures) out\(outFeatures) r\(rank)\(bias ? " bias" : "")\(dropout > 0 ? " p\(dropout)" : "")\(rsLoRA ? " rsLoRA" : "")"
    }

    /// Odd shapes (none a multiple of a tile or work-group) and round ones, each with and without
    /// bias, dropout and rsLoRA scaling.
    static let all: [LoRACase] = {
        var cases: [LoRACase] = []
        for (m, k, n, r) in [(3, 37, 29, 5), (32, 64, 48, 8)] {
            for bias in [false, true] {
                for dropout: Float in [0, 0.25] {
                    for rsLoRA in [false, true] {
                        cases.append(LoRACase(rows: m, inFeatures: k, outFeatures: n, rank: r, bias: bias, dropout: dropout, rsLoRA: rsLoRA))
                    }
                }
            }
        }
        return cases
    }()
}

/// A layer on `device` with seeded W, bias, A, B (B non-zero, unlike a fresh adapter, so that
/// every gradient is exercised), plus an input and an output gradient, and the reference.
struct LoRAFixture {
    static let step: UInt32 = 7

    let layer: LoRALinear
    let x: DeviceBuffer
    let dY: [Float]
    let reference: ReferenceLoRA

    init(_ c: LoRACase, on device: any Device, seed: UInt64 = 1) throws {
        var values = SeededValues(seed: seed)
        let w = values.floats(c.outFeatures * c.inFeatures)
        let bias = c.bias ? values.floats(c.outFeatures) : nil
        let a = values.floats(c.rank * c.inFeatures).map { $0 * 0.5 }
        let b = values.floats(c.outFeatures * c.rank).map { $0 * 0.5 }
        let x = values.floats(c.rows * c.inFeatures)
        dY = values.floats(c.rows * c.outFeatures)
        let config = LoRAConfig(rank: c.rank, alpha: 3 * Float(c.rank) / 2, dropout: c.dropout, useRSLoRA: c.rsLoRA)
        layer = try LoRALinear(weight: device.makeBuffer(w, label: "W"), bias: bias.map { try device.makeBuffer($0, label: "bias") },
                               inFeatures: c.inFeatures, outFeatures: c.outFeatures, config: config, seed: 42, stream: 3)
        try layer.loraA.upload(a)
        try layer.loraB.upload(b)
        self.x = try device.makeBuffer(x, label: "X")
        let mask = c.dropout > 0
            ? layer.dropoutKey(step: Self.step).maskFactors(count: x.count, probability: c.dropout) : nil
        reference = ReferenceLoRA(rows: c.rows, inFeatures: c.inFeatures, outFeatures: c.outFeatures, rank: c.rank,
                                  x: x, w: w, bias: bias, a: a, b: b, scale: Double(config.scale), mask: mask)
    }

    /// Longest chain of sums in any result, for error bounds.
    var terms: Int { reference.inFeatures + reference.outFeatures + reference.rows + reference.rank }
}

@Suite("LoRA layer")
struct LoRATests {
    @Test("Philox4x32-10 matches Random123's known answers")
    func philoxKnownAnswers() {
        #expect(Philox.generate(counter: .init(0, 0, 0, 0), key: .init(0, 0))
                == .init(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        #expect(Philox.generate(counter: .init(repeating: 0xFFFF_FFFF), key: .init(repeating: 0xFFFF_FFFF))
                == .init(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        #expect(Philox.generate(counter: .init(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), key: .init(0xA409_3822, 0x299F_31D0))
                == .init(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    @Test("dropout: same mask as the host bit for bit, rate p, kept values scaled by 1/(1−p)", arguments: TestDevices.all)
    func dropoutMask(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let n = 100_003
        let x = (0..<n).map { Float($0 % 1000) / 100 + 0.5 }   // never zero
        let key = DropoutKey(seed: 0x1234_5678_9ABC, stream: 2, step: 11)
        let expected = zip(x, key.maskFactors(count: n, probability: 0.3)).map { $0 * $1 }

        let input = try device.makeBuffer(x, label: "x")
        let out = try device.makeBuffer(.float32, count: n, label: "out")
        try device.dropout(input, into: out, probability: 0.3, key: key)
        let got: [Float] = try out.download()
        #expect(got == expected)
        let dropped = Double(got.filter { $0 == 0 }.count) / Double(n)
        #expect(abs(dropped - 0.3) < 0.01, "dropped fraction \(dropped); its standard deviation is 0.0015")
        #expect(zip(got, x).allSatisfy { $0 == 0 || $0 == $1 * (1 / (1 - Float(0.3))) })

        // In place gives the same; another step gives another mask; p = 0 copies.
        try device.dropout(input, into: input, probability: 0.3, key: key)
        #expect(try input.download(as: Float.self) == expected)
        let other = try device.makeBuffer(x, label: "x2")
        try device.dropout(other, into: other, probability: 0.3, key: DropoutKey(seed: key.seed, stream: 2, step: 12))
        #expect(try other.download(as: Float.self) != expected)
        let copy = try device.makeBuffer(x, label: "x3")
        try device.dropout(copy, into: copy, probability: 0, key: key)
        #expect(try copy.download(as: Float.self) == x)
    }

    @Test("forward equals the double-precision reference", arguments: TestDevices.all, LoRACase.all)
    func forward(info: DeviceInfo, c: LoRACase) throws {
        let device = try TestDevices.open(info)
        let fixture = try LoRAFixture(c, on: device)
        let (y, saved) = try fixture.layer.forward(fixture.x, rows: c.rows, mode: .training(step: LoRAFixture.step))
        let reference = fixture.reference.y
        expectWithin(try y.download(), reference.value, bound: reference.bound(terms: fixture.terms), "Y \(c.testDescription)")
        let t = fixture.reference.t
        expectWithin(try saved!.t.download(), t.value, bound: t.bound(terms: fixture.terms), "T \(c.testDescription)")
        // Inference ignores dropout.
        if c.dropout > 0 {
            let plain = ReferenceLoRA(rows: c.rows, inFeatures: c.inFeatures, outFeatures: c.outFeatures, rank: c.rank,
                                      x: fixture.reference.x, w: fixture.reference.w, bias: fixture.reference.bias,
                                      a: fixture.reference.a, b: fixture.reference.b, scale: fixture.reference.scale, mask: nil).y
            let (inference, none) = try fixture.layer.forward(fixture.x, rows: c.rows)
            #expect(none == nil)
            expectWithin(try inference.download(), plain.value, bound: plain.bound(terms: fixture.terms), "inference Y \(c.testDescription)")
        }
    }

    @Test("backward equals the double-precision reference", arguments: TestDevices.all, LoRACase.all)
    func backward(info: DeviceInfo, c: LoRACase) throws {
        let device = try TestDevices.open(info)
        let fixture = try LoRAFixture(c, on: device)
        let layer = fixture.layer
        let (_, saved) = try layer.forward(fixture.x, rows: c.rows, mode: .training(step: LoRAFixture.step))
        let dY = try device.makeBuffer(fixture.dY, label: "dY")
        let dX = try device.makeBuffer(.float32, count: c.rows * c.inFeatures, label: "dX")
        try layer.backward(outputGradient: dY, saved: saved!, inputGradient: dX)
        let (dA, dB, dXRef) = fixture.reference.gradients(dY: fixture.dY)
        let terms = fixture.terms
        expectWithin(try layer.gradA.download(), dA.value, bound: dA.bound(terms: terms), "dA \(c.testDescription)")
        expectWithin(try layer.gradB.download(), dB.value, bound: dB.bound(terms: terms), "dB \(c.testDescription)")
        expectWithin(try dX.download(), dXRef.value, bound: dXRef.bound(terms: terms), "dX \(c.testDescription)")

        // Accumulating a second identical pass doubles every gradient; without dX it is skipped.
        try layer.backward(outputGradient: dY, saved: saved!, parameterUpdate: .accumulate, inputGradient: dX, inputUpdate: .accumulate)
        let twice = { (t: ReferenceLoRA.Tracked) in t.value.map { 2 * $0 } }
        let twiceBound = { (t: ReferenceLoRA.Tracked) in t.bound(terms: terms + 1).map { 2 * $0 } }
        expectWithin(try layer.gradA.download(), twice(dA), bound: twiceBound(dA), "accumulated dA \(c.testDescription)")
        expectWithin(try layer.gradB.download(), twice(dB), bound: twiceBound(dB), "accumulated dB \(c.testDescription)")
        expectWithin(try dX.download(), twice(dXRef), bound: twiceBound(dXRef), "accumulated dX \(c.testDescription)")
        try layer.backward(outputGradient: dY, saved: saved!)
        expectWithin(try layer.gradA.download(), dA.value, bound: dA.bound(terms: terms), "overwritten dA \(c.testDescription)")
    }

    /// Y is linear in each of A, B and X separately (the dropout mask is fixed by its key), so the
    /// central difference of L = Σ G⊙Y is exact up to float32 rounding at any step h.
    @Test("gradients match central finite differences", arguments: TestDevices.all)
    func finiteDifferences(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let c = LoRACase(rows: 3, inFeatures: 6, outFeatures: 5, rank: 2, bias: true, dropout: 0.3, rsLoRA: false)
        let fixture = try LoRAFixture(c, on: device, seed: 9)
        let layer = fixture.layer
        let g = fixture.dY
        let mode = LoRAMode.training(step: LoRAFixture.step)
        func loss() throws -> Double {
            let y: [Float] = try layer.forward(fixture.x, rows: c.rows, mode: mode).output.download()
            return zip(y, g).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let (_, saved) = try layer.forward(fixture.x, rows: c.rows, mode: mode)
        let dX = try device.makeBuffer(.float32, count: c.rows * c.inFeatures, label: "dX")
        try layer.backward(outputGradient: try device.makeBuffer(g, label: "G"), saved: saved!, inputGradient: dX)
        let h: Float = 0.25
        for (name, parameter, analytic) in [("A", layer.loraA, layer.gradA), ("B", layer.loraB, layer.gradB), ("X", fixture.x, dX)] {
            let values: [Float] = try parameter.download()
            let gradient: [Float] = try analytic.download()
            for i in values.indices {
                try parameter.upload([values[i] + h], at: i)
                let plus = try loss()
                try parameter.upload([values[i] - h], at: i)
                let minus = try loss()
                try parameter.upload([values[i]], at: i)
                let numeric = (plus - minus) / Double(2 * h)
                #expect(abs(numeric - Double(gradient[i])) <= 1e-4 * (1 + abs(numeric)),
                        "d\(name)[\(i)]: backward \(gradient[i]), finite difference \(numeric)")
            }
        }
    }

    /// Tolerance: every element within 2·(n + 4)·u·Σ|terms| of the host's (each side is within
    /// half of that of the exact value).
    @Test("OpenCL gives the host's outputs and gradients for the same seed", arguments: TestDevices.openCL)
    func openCLMatchesHost(info: DeviceInfo) throws {
        let c = LoRACase(rows: 19, inFeatures: 70, outFeatures: 33, rank: 6, bias: true, dropout: 0.1, rsLoRA: true)
        var results: [[[Float]]] = []
        var fixture: LoRAFixture?
        for device in [try TestDevices.host, try TestDevices.open(info)] {
            let f = try LoRAFixture(c, on: device, seed: 5)
            let (y, saved) = try f.layer.forward(f.x, rows: c.rows, mode: .training(step: 99))
            let dX = try device.makeBuffer(.float32, count: c.rows * c.inFeatures, label: "dX")
            try f.layer.backward(outputGradient: device.makeBuffer(f.dY, label: "dY"), saved: saved!, inputGradient: dX)
            results.append([try y.download(), try f.layer.gradA.download(), try f.layer.gradB.download(), try dX.download()])
            fixture = f
        }
        let reference = fixture!.reference
        let masked = ReferenceLoRA(rows: c.rows, inFeatures: c.inFeatures, outFeatures: c.outFeatures, rank: c.rank,
                                   x: reference.x, w: reference.w, bias: reference.bias, a: reference.a, b: reference.b,
                                   scale: reference.scale,
                                   mask: fixture!.layer.dropoutKey(step: 99).maskFactors(count: reference.x.count, probability: c.dropout))
        let (dA, dB, dX) = masked.gradients(dY: fixture!.dY)
        let terms = fixture!.terms
        for (index, (name, tracked)) in [("Y", masked.y), ("dA", dA), ("dB", dB), ("dX", dX)].enumerated() {
            expectWithin(results[1][index], results[0][index].map(Double.init), bound: tracked.bound(terms: terms).map { 2 * $0 },
                         "\(name) on \(info.identifier) vs host")
        }
    }

    @Test("merge and unmerge on a float32 base", arguments: TestDevices.all)
    func mergeFloat32(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let c = LoRACase(rows: 5, inFeatures: 37, outFeatures: 29, rank: 5, bias: true, dropout: 0.2, rsLoRA: false)
        let fixture = try LoRAFixture(c, on: device)
        let layer = fixture.layer
        let original: [Float] = try #require(layer.weight).download()
        let (unmerged, _) = try layer.forward(fixture.x, rows: c.rows)
        try layer.merge()
        #expect(layer.isMerged)
        let (merged, _) = try layer.forward(fixture.x, rows: c.rows)
        let reference = ReferenceLoRA(rows: c.rows, inFeatures: c.inFeatures, outFeatures: c.outFeatures, rank: c.rank,
                                      x: fixture.reference.x, w: fixture.reference.w, bias: fixture.reference.bias,
                                      a: fixture.reference.a, b: fixture.reference.b, scale: fixture.reference.scale, mask: nil).y
        let bound = reference.bound(terms: fixture.terms).map { 2 * $0 }
        expectWithin(try merged.download(), try unmerged.download(as: Float.self).map(Double.init), bound: bound, "merged vs unmerged Y")
        try layer.unmerge()
        #expect(!layer.isMerged)
        let delta = mergeMagnitude(fixture.reference)
        expectWithin(try #require(layer.weight).download(), original.map(Double.init),
                     bound: zip(original, delta).map { 4 * float32Roundoff * (abs(Double($0)) + $1) }, "W after unmerge")
    }

    /// W + s·B·A in double precision for an n×k W and rank r, and each element's bound once W is
    /// stored 16-bit: half an ulp (`relativeRounding`, at least `smallest`) of the exact sum plus
    /// the float32 error of the rank-r sum.
    static func expectedMerge(w: [Double], a: [Float], b: [Float], shape: (n: Int, k: Int, r: Int), scale s: Double,
                              relativeRounding: Double, smallest: Double) -> (exact: [Double], bound: [Double]) {
        let (n, k, r) = shape
        var exact: [Double] = [], bound: [Double] = []
        for o in 0..<n {
            for i in 0..<k {
                var sum = 0.0, magnitude = 0.0
                for j in 0..<r {
                    sum += Double(b[o * r + j]) * Double(a[j * k + i])
                    magnitude += abs(Double(b[o * r + j]) * Double(a[j * k + i]))
                }
                let value = w[o * k + i] + s * sum
                exact.append(value)
                bound.append(abs(value) * relativeRounding + smallest + Double(r + 4) * float32Roundoff * s * magnitude)
            }
        }
        return (exact, bound)
    }

    @Test("merge and unmerge on a float16 base round to float16", arguments: TestDevices.all)
    func mergeFloat16(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (n, k, r) = (29, 37, 5)
        var values = SeededValues(seed: 21)
        let w16 = values.floats(n * k).map { Float16($0) }
        let a = values.floats(r * k), b = values.floats(n * r)
        let weight = try device.makeBuffer(w16, label: "W16")
        let layer = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n, config: LoRAConfig(rank: r, alpha: 10))
        try layer.loraA.upload(a)
        try layer.loraB.upload(b)
        let x = try device.makeBuffer(values.floats(3 * k), label: "X")
        let (unmerged, _) = try layer.forward(x, rows: 3)
        try layer.merge()
        // Each merged element is the float16 rounding of W + s·B·A: within half a float16 ulp of the
        // exact sum, plus the float32 error of the rank-r sum.
        let s = Double(layer.scale)
        let (exact, bound) = Self.expectedMerge(w: w16.map { Double($0) }, a: a, b: b, shape: (n, k, r), scale: s,
                                                relativeRounding: 0x1p-11, smallest: 0x1p-25)
        expectWithin(try weight.download(as: Float16.self).map(Float.init), exact, bound: bound, "merged float16 W")
        let (merged, _) = try layer.forward(x, rows: 3)
        let mergedValues: [Float] = try merged.download(), unmergedValues: [Float] = try unmerged.download()
        // Rounding W to float16 moves each output by at most Σ_i |x_i|·2⁻¹¹|W'_i|.
        #expect(zip(mergedValues, unmergedValues).allSatisfy { abs($0 - $1) <= 0.02 * (1 + abs($1)) })
        try layer.unmerge()
        let restored: [Float16] = try weight.download()
        for (index, (got, original)) in zip(restored, w16).enumerated() {
            let ulp = Double(original.ulp)
            #expect(abs(Double(got) - Double(original)) <= 2 * max(ulp, Double(Float16(exact[index]).ulp)),
                    "W[\(index)] restored to \(got), was \(original)")
        }
    }

    /// As for float16, with bfloat16's 8 significant bits: each merged element within half a
    /// bfloat16 ulp (2⁻⁸ relative) of the exact W + s·B·A plus the float32 error of the rank-r
    /// sum; unmerge within two ulps; mergedWeight(as: .bfloat16) of the unmerged layer equal bit
    /// for bit to the float32 merge rounded by `BFloat16(_:)`.
    @Test("merge and unmerge on a bfloat16 base round to bfloat16", arguments: TestDevices.all)
    func mergeBFloat16(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (n, k, r) = (29, 37, 5)
        var values = SeededValues(seed: 22)
        let w = values.floats(n * k).map { BFloat16($0) }
        let a = values.floats(r * k), b = values.floats(n * r)
        let weight = try device.makeBuffer(w, label: "W bf16")
        let layer = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n, config: LoRAConfig(rank: r, alpha: 10))
        try layer.loraA.upload(a)
        try layer.loraB.upload(b)
        let copy = try layer.mergedWeight(as: .bfloat16).download(as: BFloat16.self)
        let wide = try layer.mergedWeight(as: .float32).download(as: Float.self)
        #expect(copy.map(\.bitPattern) == wide.map { ReferenceBFloat16.bits($0) }, "mergedWeight(as: .bfloat16)")
        try layer.merge()
        let s = Double(layer.scale)
        let (exact, bound) = Self.expectedMerge(w: w.map { Double(Float($0)) }, a: a, b: b, shape: (n, k, r), scale: s,
                                                relativeRounding: 0x1p-8, smallest: 0x1p-133)
        expectWithin(try weight.download(as: BFloat16.self).map(Float.init), exact, bound: bound, "merged bfloat16 W")
        try layer.unmerge()
        for (index, (got, original)) in zip(try weight.download(as: BFloat16.self), w).enumerated() {
            let ulp = Double(Float(original).ulp) * 0x1p16, mergedUlp = Double(Float(BFloat16(Float(exact[index]))).ulp) * 0x1p16
            #expect(abs(Double(Float(got)) - Double(Float(original))) <= 2 * max(ulp, mergedUlp), "W[\(index)] restored to \(got), was \(original)")
        }
    }

    @Test("A starts Kaiming-uniform (or Gaussian), B at zero, reproducibly from the seed")
    func initialization() throws {
        let device = try TestDevices.host
        let (k, n) = (4096, 64)
        let weight = try device.makeBuffer(.float32, count: n * k, label: "W")
        let layer = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n, config: LoRAConfig(rank: 4), seed: 1, stream: 0)
        let a: [Float] = try layer.loraA.download()
        let bound = 1 / Float(k).squareRoot()
        #expect(a.allSatisfy { abs($0) <= bound })
        #expect(a.max()! > 0.99 * bound && a.min()! < -0.99 * bound)
        #expect(try layer.loraB.download(as: Float.self).allSatisfy { $0 == 0 })
        let again = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n, config: LoRAConfig(rank: 4), seed: 1, stream: 0)
        #expect(try again.loraA.download(as: Float.self) == a)
        let otherStream = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n, config: LoRAConfig(rank: 4), seed: 1, stream: 1)
        #expect(try otherStream.loraA.download(as: Float.self) != a)

        let gaussian = try LoRALinear(weight: weight, inFeatures: k, outFeatures: n,
                                      config: LoRAConfig(rank: 4, initialization: .gaussian), seed: 1)
        let g: [Float] = try gaussian.loraA.download()
        let mean = g.reduce(0, +) / Float(g.count)
        let std = (g.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(g.count)).squareRoot()
        // 16384 samples: the standard deviation's estimate is within 5 % of 1/r = 0.25 with overwhelming probability.
        #expect(abs(std - 0.25) < 0.0125 && abs(mean) < 0.01, "std \(std), mean \(mean)")
    }

    @Test("scale is alpha/r, or alpha/√r with rsLoRA")
    func scaling() {
        #expect(LoRAConfig(rank: 16, alpha: 32).scale == 2)
        #expect(LoRAConfig(rank: 16, alpha: 32, useRSLoRA: true).scale == 8)
    }

    @Test("bad input gets a clear error", arguments: TestDevices.all)
    func badInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let weight = try device.makeBuffer(.float32, count: 6 * 4, label: "W")
        func make(_ config: LoRAConfig, out: Int = 6, in k: Int = 4) throws -> LoRALinear {
            try LoRALinear(weight: weight, inFeatures: k, outFeatures: out, config: config)
        }
        #expect(throws: LoRAError.invalidConfiguration("rank r must be at least 1, got 0")) { try make(LoRAConfig(rank: 0)) }
        #expect { try make(LoRAConfig(rank: 5)) } throws: { "\($0)".contains("exceeds min(in, out) = min(4, 6)") }
        #expect { try make(LoRAConfig(rank: 2, dropout: 1)) } throws: { "\($0)".contains("dropout must be in [0, 1), got 1.0") }
        #expect { try make(LoRAConfig(rank: 2, dropout: -0.1)) } throws: { "\($0)".contains("dropout must be in [0, 1)") }
        #expect { try make(LoRAConfig(rank: 2), out: 5) } throws: { "\($0)".contains("not out×in = 5×4") }

        let layer = try make(LoRAConfig(rank: 2, dropout: 0.1))
        let x = try device.makeBuffer(.float32, count: 3 * 5, label: "X")
        #expect { try layer.forward(x, rows: 3) } throws: { "\($0)".contains("input X") && "\($0)".contains("not 3×4") }
        let good = try device.makeBuffer(.float32, count: 3 * 4, label: "X")
        let (_, saved) = try layer.forward(good, rows: 3, mode: .training(step: 0))
        let wrongDY = try device.makeBuffer(.float32, count: 3 * 5, label: "dY")
        #expect { try layer.backward(outputGradient: wrongDY, saved: saved!) } throws: { "\($0)".contains("output gradient dY") }
        let halfX = try device.makeBuffer(.float16, count: 3 * 4, label: "X16")
        #expect { try layer.forward(halfX, rows: 3) } throws: { "\($0)".contains("must be float32") }
        #expect { try device.dropout(good, into: good, probability: 1, key: DropoutKey(seed: 0, stream: 0, step: 0)) } throws: {
            "\($0)".contains("dropout probability 1.0 is outside [0, 1)")
        }
        try layer.merge()
        #expect(throws: LoRAError.self) { try layer.merge() }
        #expect { try layer.forward(good, rows: 3, mode: .training(step: 1)) } throws: { "\($0)".contains("unmerge it before training") }
        try layer.unmerge()
        #expect(throws: LoRAError.self) { try layer.unmerge() }
    }
}

/// Σ_j |s·B[o, j]·A[j, i]| per element of W: the scale of a merge's rounding error.
func mergeMagnitude(_ r: ReferenceLoRA) -> [Double] {
    var result: [Double] = []
    for o in 0..<r.outFeatures {
        for i in 0..<r.inFeatures {
            var magnitude = 0.0
            for j in 0..<r.rank { magnitude += abs(r.scale * Double(r.b[o * r.rank + j]) * Double(r.a[j * r.inFeatures + i])) }
            result.append(magnitude * Double(r.rank + 2))
        }
    }
    return result
}
