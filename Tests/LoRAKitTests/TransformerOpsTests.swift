import Foundation
import LoRAKit
import Testing

/// RMSNorm, SwiGLU and RoPE on every device against double-precision references, with
/// finite-difference checks of the backward formulas. Tolerances: the float32 ops involve a sum
/// of C terms (RMSNorm) or a few transcendental functions, which OpenCL allows a few ulps each;
/// bounds are (C + 16)·u relative for RMSNorm, 16·u for SwiGLU, and 2·10⁻⁶·(position + 1)
/// relative for RoPE, whose angle (position·θ^(−2i/D)) is computed in float32 as transformers does.
@Suite("Transformer ops")
struct TransformerOpsTests {
    static let shapes = [(3, 37), (16, 64), (2, 1000)]

    static func rmsNormReference(_ x: [Float], _ w: [Float], rows: Int, columns: Int, eps: Double) -> (y: [Double], rstd: [Double]) {
        var y: [Double] = [], rstd: [Double] = []
        for r in 0..<rows {
            let row = x[(r * columns)..<((r + 1) * columns)].map(Double.init)
            let s = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(columns) + eps).squareRoot()
            rstd.append(s)
            y += (0..<columns).map { row[$0] * s * Double(w[$0]) }
        }
        return (y, rstd)
    }

    @Test("RMSNorm forward and backward", arguments: TestDevices.all)
    func rmsNorm(info: DeviceInfo) throws { try Self.checkRMSNorm(on: TestDevices.open(info)) }

    static func checkRMSNorm(on device: any Device) throws {
        for (rows, columns) in Self.shapes {
            var values = SeededValues(seed: UInt64(rows * columns))
            let x = values.floats(rows * columns).map { $0 * 3 }, w = values.floats(columns), g = values.floats(rows * columns)
            let bx = try device.makeBuffer(x, label: "x"), bw = try device.makeBuffer(w, label: "w")
            let y = try device.makeBuffer(.float32, count: x.count, label: "y"), rstd = try device.makeBuffer(.float32, count: rows, label: "rstd")
            try device.rmsNorm(bx, weight: bw, epsilon: 1e-5, rows: rows, columns: columns, into: y, rstd: rstd)
            let reference = Self.rmsNormReference(x, w, rows: rows, columns: columns, eps: 1e-5)
            let relative = Double(columns + 16) * float32Roundoff
            expectWithin(try y.download(), reference.y, bound: reference.y.map { relative * abs($0) + 1e-30 }, "y \(rows)×\(columns)")
            expectWithin(try rstd.download(), reference.rstd, bound: reference.rstd.map { relative * $0 }, "rstd \(rows)×\(columns)")

            // Backward against central differences of L = Σ g⊙y(x), computed in double from the reference.
            let dx = try device.makeBuffer([Float](repeating: 1, count: x.count), label: "dx")
            try device.rmsNormBackward(try device.makeBuffer(g, label: "g"), x: bx, weight: bw, rstd: rstd, rows: rows, columns: columns,
                                       into: dx, update: .accumulate)
            let analytic: [Float] = try dx.download()
            let h = 1e-4
            for index in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
                func loss(_ delta: Double) -> Double {
                    var shifted = x.map(Double.init)
                    shifted[index] += delta
                    let r = index / columns
                    let row = shifted[(r * columns)..<((r + 1) * columns)]
                    let s = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(columns) + 1e-5).squareRoot()
                    return (0..<columns).reduce(0) { $0 + Double(g[r * columns + $1]) * row[row.startIndex + $1] * s * Double(w[$1]) }
                }
                let numeric = (loss(h) - loss(-h)) / (2 * h) + 1   // + 1: dx started at 1 and accumulated
                #expect(abs(Double(analytic[index]) - numeric) <= 1e-4 * (1 + abs(numeric)), "dx[\(index)] \(analytic[index]) vs \(numeric)")
            }
        }
    }

    @Test("SwiGLU forward and backward", arguments: TestDevices.all)
    func swiglu(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var values = SeededValues(seed: 77)
        let n = 5003
        let gate = values.floats(n).map { $0 * 8 }, up = values.floats(n), dOut = values.floats(n)
        let bg = try device.makeBuffer(gate, label: "gate"), bu = try device.makeBuffer(up, label: "up")
        let out = try device.makeBuffer(.float32, count: n, label: "out")
        try device.swiglu(gate: bg, up: bu, into: out)
        func silu(_ g: Double) -> Double { g / (1 + exp(-g)) }
        let expected = (0..<n).map { silu(Double(gate[$0])) * Double(up[$0]) }
        expectWithin(try out.download(), expected, bound: expected.map { 16 * float32Roundoff * abs($0) + 1e-30 }, "swiglu")

        let dg = try device.makeBuffer(.float32, count: n, label: "dgate"), du = try device.makeBuffer(.float32, count: n, label: "dup")
        try device.swigluBackward(try device.makeBuffer(dOut, label: "dOut"), gate: bg, up: bu, gateGradient: dg, upGradient: du)
        let h = 1e-6
        let numericGate = (0..<n).map { i in Double(dOut[i]) * Double(up[i]) * (silu(Double(gate[i]) + h) - silu(Double(gate[i]) - h)) / (2 * h) }
        let numericUp = (0..<n).map { i in Double(dOut[i]) * silu(Double(gate[i])) }
        expectWithin(try dg.download(), numericGate, bound: numericGate.map { 1e-5 * (abs($0) + 1e-3) }, "dgate")
        expectWithin(try du.download(), numericUp, bound: numericUp.map { 16 * float32Roundoff * abs($0) + 1e-30 }, "dup")
    }

    @Test("RoPE: split-half rotation, inverse, and ⟨G, R·x⟩ = ⟨Rᵀ·G, x⟩ (so backward is the inverse)", arguments: TestDevices.all)
    func rope(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (sequence, batches, heads, d) = (13, 2, 3, 16)
        let rows = sequence * batches
        var values = SeededValues(seed: 5)
        let x = values.floats(rows * heads * d), g = values.floats(rows * heads * d)
        let bx = try device.makeBuffer(x, label: "x")
        try device.rope(bx, rows: rows, heads: heads, headDimension: d, sequenceLength: sequence, theta: 10_000, inverse: false)
        let rotated: [Float] = try bx.download()
        let (expected, bound) = ReferenceRope.rotated(x, positions: (0..<rows).map { $0 % sequence }, heads: heads, headDimension: d)
        expectWithin(rotated, expected, bound: bound, "rope")
        try device.rope(bx, rows: rows, heads: heads, headDimension: d, sequenceLength: sequence, theta: 10_000, inverse: true)
        expectWithin(try bx.download(), x.map(Double.init), bound: x.map { 1e-5 * (abs(Double($0)) + 1) }, "inverse(rope(x))")
        let bg = try device.makeBuffer(g, label: "g")
        try device.rope(bg, rows: rows, heads: heads, headDimension: d, sequenceLength: sequence, theta: 10_000, inverse: true)
        let back: [Float] = try bg.download()
        let lhs = zip(g, rotated).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(back, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) <= 1e-4 * (1 + abs(lhs)), "⟨G, Rx⟩ = \(lhs), ⟨RᵀG, x⟩ = \(rhs)")
    }

    @Test("bad input", arguments: TestDevices.all)
    func badInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let x = try device.makeBuffer(.float32, count: 12, label: "x")
        #expect { try device.rope(x, rows: 2, heads: 2, headDimension: 3, sequenceLength: 2, theta: 10_000, inverse: false) } throws: {
            "\($0)".contains("head dimension 3 even")
        }
        #expect { try device.rope(x, rows: 3, heads: 1, headDimension: 4, sequenceLength: 3, theta: 1, inverse: false) } throws: {
            "\($0)".contains("theta 1.0 must exceed 1")
        }
        let w = try device.makeBuffer(.float32, count: 4, label: "w"), rstd = try device.makeBuffer(.float32, count: 3, label: "rstd")
        #expect { try device.rmsNorm(x, weight: w, epsilon: 0, rows: 3, columns: 4, into: x, rstd: rstd) } throws: {
            "\($0)".contains("epsilon 0.0 must be positive")
        }
        #expect { try device.rmsNorm(x, weight: w, epsilon: 1e-6, rows: 2, columns: 6, into: x, rstd: rstd) } throws: {
            "\($0)".contains("weight w (4 × float32") || "\($0)".contains("weight 'w'") || "\($0)".contains("not 6")
        }
        #expect { try device.swiglu(gate: x, up: w, into: x) } throws: { "\($0)".contains("up has 4 elements but gate has 12") }
    }
}

@Suite("Transformer ops: softmax and cross-entropy")
struct SoftmaxCrossEntropyTests {
    @Test("causal softmax forward and backward", arguments: TestDevices.all)
    func causalSoftmax(info: DeviceInfo) throws { try Self.checkCausalSoftmax(on: TestDevices.open(info)) }

    static func checkCausalSoftmax(on device: any Device) throws {
        let (groups, t, scale) = (3, 70, Float(0.25))
        var values = SeededValues(seed: 31)
        let s = values.floats(groups * t * t).map { $0 * 10 }, g = values.floats(groups * t * t)
        let bs = try device.makeBuffer(s, label: "S"), bp = try device.makeBuffer(.float32, count: s.count, label: "P")
        try device.causalSoftmax(bs, groups: groups, length: t, scale: scale, into: bp)
        func reference(_ s: [Double]) -> [Double] {
            var p = [Double](repeating: 0, count: s.count)
            for row in 0..<(groups * t) {
                let position = row % t, base = row * t
                let largest = (0...position).map { Double(scale) * s[base + $0] }.max()!
                let sum = (0...position).reduce(0.0) { $0 + exp(Double(scale) * s[base + $1] - largest) }
                for j in 0...position { p[base + j] = exp(Double(scale) * s[base + j] - largest) / sum }
            }
            return p
        }
        let expected = reference(s.map(Double.init))
        expectWithin(try bp.download(), expected, bound: expected.map { Double(t + 16) * float32Roundoff * $0 + 1e-30 }, "P")

        let dS = try device.makeBuffer(g, label: "dP → dS")
        try device.causalSoftmaxBackward(probabilities: bp, gradient: dS, groups: groups, length: t, scale: scale, into: dS)
        let analytic: [Float] = try dS.download()
        let h = 1e-5
        for index in stride(from: 0, to: s.count, by: 97) {
            func loss(_ delta: Double) -> Double {
                var shifted = s.map(Double.init)
                shifted[index] += delta
                return zip(reference(shifted), g).reduce(0) { $0 + $1.0 * Double($1.1) }
            }
            let numeric = (loss(h) - loss(-h)) / (2 * h)
            #expect(abs(Double(analytic[index]) - numeric) <= 1e-4 * (1 + abs(numeric)), "dS[\(index)] \(analytic[index]) vs \(numeric)")
        }
    }

    @Test("cross-entropy with ignored rows, gradient in place", arguments: TestDevices.all)
    func crossEntropy(info: DeviceInfo) throws { try Self.checkCrossEntropy(on: TestDevices.open(info)) }

    static func checkCrossEntropy(on device: any Device) throws {
        let (rows, v) = (7, 259)
        var values = SeededValues(seed: 41)
        let z = values.floats(rows * v).map { $0 * 6 }
        let labels: [Int32] = [3, -100, 258, 0, 17, -100, 100]
        let valid = labels.filter { $0 != -100 }.count
        let bz = try device.makeBuffer(z, label: "logits"), losses = try device.makeBuffer(.float32, count: rows, label: "losses")
        try device.crossEntropy(logits: bz, labels: device.makeBuffer(labels, label: "labels"), rows: rows, vocabulary: v,
                                gradientScale: 1 / Float(valid), losses: losses, logitsGradient: bz)
        var expectedLoss: [Double] = [], expectedGradient: [Double] = []
        for row in 0..<rows {
            let logits = z[(row * v)..<((row + 1) * v)].map(Double.init)
            guard labels[row] != -100 else {
                expectedLoss.append(0)
                expectedGradient += [Double](repeating: 0, count: v)
                continue
            }
            let largest = logits.max()!, sum = logits.reduce(0) { $0 + exp($1 - largest) }
            expectedLoss.append(log(sum) + largest - logits[Int(labels[row])])
            expectedGradient += (0..<v).map { (exp(logits[$0] - largest) / sum - ($0 == Int(labels[row]) ? 1 : 0)) / Double(valid) }
        }
        expectWithin(try losses.download(), expectedLoss, bound: expectedLoss.map { 1e-5 * (abs($0) + 1) }, "losses")
        expectWithin(try bz.download(), expectedGradient, bound: expectedGradient.map { 1e-5 * abs($0) + 1e-9 }, "dlogits")

        let bad = try device.makeBuffer(.float32, count: rows, label: "bad losses")
        try device.crossEntropy(logits: try device.makeBuffer(z, label: "z"), labels: device.makeBuffer([Int32](repeating: 259, count: rows), label: "l"),
                                rows: rows, vocabulary: v, gradientScale: 1, losses: bad, logitsGradient: nil)
        #expect(try bad.download(as: Float.self).allSatisfy(\.isNaN), "a label ≥ vocabulary gives NaN, not a read past the row")
        #expect { try device.crossEntropy(logits: bz, labels: losses, rows: rows, vocabulary: v, gradientScale: 1, losses: losses, logitsGradient: nil) } throws: {
            "\($0)".contains("expected int32")
        }
    }
}

@Suite("Transformer ops: embedding")
struct EmbeddingTests {
    /// A bfloat16 table of arbitrary bit patterns (NaN payloads, ±∞, subnormals, −0 among them)
    /// gathers to exactly the patterns << 16, compared as bits.
    func expectBFloat16RowsExact(on device: any Device) throws {
        let (v, c) = (41, 67)
        var state: UInt32 = 12345
        let patterns = (0..<(v * c)).map { index -> UInt16 in
            state = state &* 1_664_525 &+ 1_013_904_223
            let specials: [UInt16] = [0x7FC1, 0xFF81, 0x7F80, 0xFF80, 0x0001, 0x8000, 0x807F]
            return index % 11 == 0 ? specials[index / 11 % specials.count] : UInt16(truncatingIfNeeded: state >> 16)
        }
        let ids: [Int32] = [40, 0, 17, 17, 3, 41, -5, 29]
        let out = try device.makeBuffer(.float32, count: ids.count * c, label: "out")
        try device.embedding(ids: device.makeBuffer(ids, label: "ids"), table: device.makeBuffer(patterns.map(BFloat16.init(bitPattern:)), label: "table bf16"),
                             vocabulary: v, columns: c, into: out)
        let expected = ids.flatMap { id -> [UInt32] in
            (0..<v).contains(Int(id)) ? patterns[(Int(id) * c)..<((Int(id) + 1) * c)].map { UInt32($0) << 16 } : [UInt32](repeating: 0, count: c)
        }
        #expect(try out.download(as: Float.self).map(\.bitPattern) == expected, "bfloat16 rows as bits")
    }

    @Test("embedding rows from float32, float16 and bfloat16 tables; bad ids give zero rows", arguments: TestDevices.all)
    func embedding(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (v, c) = (37, 19)
        var values = SeededValues(seed: 8)
        let table = values.floats(v * c)
        let ids: [Int32] = [0, 36, 5, 5, -1, 37, 12]
        let bids = try device.makeBuffer(ids, label: "ids")
        for storage in [ElementType.float32, .float16, .bfloat16] {
            let stored = storage == .float32 ? table : storage == .float16 ? table.map { Float(Float16($0)) } : table.map { Float(BFloat16($0)) }
            let buffer = storage == .float32 ? try device.makeBuffer(table, label: "table")
                : storage == .float16 ? try device.makeBuffer(table.map { Float16($0) }, label: "table16")
                : try device.makeBuffer(table.map { BFloat16($0) }, label: "table bf16")
            let out = try device.makeBuffer(.float32, count: ids.count * c, label: "out")
            try device.embedding(ids: bids, table: buffer, vocabulary: v, columns: c, into: out)
            let expected = ids.flatMap { id -> [Float] in (0..<v).contains(Int(id)) ? Array(stored[(Int(id) * c)..<((Int(id) + 1) * c)]) : [Float](repeating: 0, count: c) }
            #expect(try out.download(as: Float.self) == expected, "\(storage)")
        }
        try expectBFloat16RowsExact(on: device)
        #expect { try device.embedding(ids: device.makeBuffer([1, 2] as [Float], label: "f"), table: device.makeBuffer(table, label: "t"),
                                        vocabulary: v, columns: c, into: device.makeBuffer(.float32, count: 2 * c, label: "o")) } throws: {
            "\($0)".contains("expected int32")
        }
    }
}
