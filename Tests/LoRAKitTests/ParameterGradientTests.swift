import Foundation
import LoRAKit
import Testing

/// The two parameter gradients only full-parameter training needs, against double references:
/// the RMSNorm weight's (a sum over R rows of three-factor products: bound (R + 4)·u·Σ|terms|)
/// and the embedding table's (a sum over the tokens with that id: bound n·u·Σ|terms|).
@Suite("Parameter gradients for full-parameter training")
struct ParameterGradientTests {
    @Test("RMSNorm weight gradient, overwrite and accumulate", arguments: TestDevices.all)
    func rmsNormWeight(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for (rows, columns) in [(3, 37), (130, 64), (17, 300)] {
            var values = SeededValues(seed: UInt64(rows + columns))
            let x = values.floats(rows * columns).map { $0 * 3 }, w = values.floats(columns), dy = values.floats(rows * columns)
            let bx = try device.makeBuffer(x, label: "x")
            let y = try device.makeBuffer(.float32, count: x.count, label: "y"), rstd = try device.makeBuffer(.float32, count: rows, label: "rstd")
            try device.rmsNorm(bx, weight: device.makeBuffer(w, label: "w"), epsilon: 1e-5, rows: rows, columns: columns, into: y, rstd: rstd)
            let s: [Float] = try rstd.download()
            var expected = [Double](repeating: 0, count: columns), magnitude = [Double](repeating: 0, count: columns)
            for r in 0..<rows {
                for c in 0..<columns {
                    let term = Double(dy[r * columns + c]) * Double(x[r * columns + c]) * Double(s[r])
                    expected[c] += term
                    magnitude[c] += abs(term)
                }
            }
            let bound = magnitude.map { Double(rows + 4) * float32Roundoff * $0 + 1e-30 }
            let dw = try device.makeBuffer([Float](repeating: 7, count: columns), label: "dw")
            let bdy = try device.makeBuffer(dy, label: "dy")
            try device.rmsNormWeightGradient(bdy, x: bx, rstd: rstd, rows: rows, columns: columns, into: dw, update: .overwrite)
            expectWithin(try dw.download(), expected, bound: bound, "dw \(rows)×\(columns)")
            try device.rmsNormWeightGradient(bdy, x: bx, rstd: rstd, rows: rows, columns: columns, into: dw, update: .accumulate)
            expectWithin(try dw.download(), expected.map { 2 * $0 }, bound: bound.map { 3 * $0 }, "dw accumulated \(rows)×\(columns)")
        }
        #expect { try device.rmsNormWeightGradient(device.makeBuffer(.float32, count: 6, label: "dy"), x: device.makeBuffer(.float32, count: 6, label: "x"),
                                                    rstd: device.makeBuffer(.float32, count: 2, label: "rstd"), rows: 2, columns: 3,
                                                    into: device.makeBuffer(.float32, count: 2, label: "dw"), update: .overwrite) } throws: {
            "\($0)".contains("dw") && "\($0)".contains("not 3")
        }
    }

    @Test("embedding gradient: repeated ids add up, bad ids are skipped, existing values kept", arguments: TestDevices.all)
    func embeddingBackward(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let (v, c) = (37, 70)
        var values = SeededValues(seed: 21)
        let ids: [Int32] = [0, 36, 5, 5, -1, 37, 12, 5, 0, 36, 36, 3]
        let dOut = values.floats(ids.count * c), start = values.floats(v * c)
        let table = try device.makeBuffer(start, label: "dTable")
        try device.embeddingBackward(ids: device.makeBuffer(ids, label: "ids"), outputGradient: device.makeBuffer(dOut, label: "dOut"),
                                     vocabulary: v, columns: c, into: table)
        var expected = start.map(Double.init), magnitude = start.map { abs(Double($0)) }
        var uses = [Int](repeating: 1, count: v)
        for (n, id) in ids.enumerated() where (0..<v).contains(Int(id)) {
            uses[Int(id)] += 1
            for j in 0..<c {
                expected[Int(id) * c + j] += Double(dOut[n * c + j])
                magnitude[Int(id) * c + j] += abs(Double(dOut[n * c + j]))
            }
        }
        let bound = (0..<(v * c)).map { Double(uses[$0 / c]) * float32Roundoff * magnitude[$0] + 1e-30 }
        expectWithin(try table.download(), expected, bound: bound, "dTable")
        #expect { try device.embeddingBackward(ids: device.makeBuffer(ids, label: "ids"), outputGradient: device.makeBuffer(dOut, label: "dOut"),
                                                vocabulary: v, columns: c, into: device.makeBuffer(.float32, count: v * c - 1, label: "short")) } throws: {
            "\($0)".contains("dTable")
        }
    }
}

/// The norm weight's gradient on OpenCL against the host twin, at shapes that do not divide
/// evenly: rows not a multiple of the 64 row blocks of its two-pass sum (fewer rows than blocks
/// too), columns not a multiple of any work-group size; and the same bits on a second run.
@Suite("Parameter gradients: odd shapes, the host twin and determinism")
struct ParameterGradientShapeTests {
    static let normShapes = [(1, 5), (63, 257), (65, 1031), (200, 129)]

    /// dw for `rows`×`columns` seeded inputs, run twice into fresh buffers; and Σ_r |term| per column.
    static func normGradient(on device: any Device, rows: Int, columns: Int) throws -> (first: [Float], second: [Float], magnitude: [Double]) {
        var values = SeededValues(seed: UInt64(7 * rows + columns))
        let x = values.floats(rows * columns), dy = values.floats(rows * columns), s = values.floats(rows).map { 1.5 + $0 }
        let bx = try device.makeBuffer(x, label: "x"), bdy = try device.makeBuffer(dy, label: "dy"), rstd = try device.makeBuffer(s, label: "rstd")
        func run() throws -> [Float] {
            let dw = try device.makeBuffer(.float32, count: columns, label: "dw")
            try device.rmsNormWeightGradient(bdy, x: bx, rstd: rstd, rows: rows, columns: columns, into: dw, update: .overwrite)
            return try dw.download()
        }
        var magnitude = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns { magnitude[c] += abs(Double(dy[r * columns + c]) * Double(x[r * columns + c]) * Double(s[r])) }
        }
        return (try run(), try run(), magnitude)
    }

    /// Both devices are within (R + 4)·u·Σ|terms| of the exact sum, whatever their order of
    /// summation, so they are within twice that of each other.
    @Test("RMSNorm weight gradient: the host's within 2·(R + 4)·u·Σ|terms|, the same bits twice", arguments: TestDevices.all)
    func normWeight(info: DeviceInfo) throws {
        let device = try TestDevices.open(info), host = try TestDevices.host
        for (rows, columns) in Self.normShapes {
            let (first, second, magnitude) = try Self.normGradient(on: device, rows: rows, columns: columns)
            let reference = try Self.normGradient(on: host, rows: rows, columns: columns).first
            #expect(zip(first, second).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(rows)×\(columns): a second run differs")
            expectWithin(first, reference.map(Double.init), bound: magnitude.map { 2 * Double(rows + 4) * float32Roundoff * $0 + 1e-30 },
                         "dw \(rows)×\(columns) against the host")
        }
    }
}
