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

/// The two column gradients on OpenCL against the host twin, at shapes that do not divide evenly:
/// rows not a multiple of the 64 row blocks of the norm's two-pass sum (fewer rows than blocks
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

    /// Token ids with repeats (a few frequent, most rare, as text), bad ids among them.
    static func ids(_ count: Int, vocabulary: Int) -> [Int32] {
        (0..<count).map { n in
            if n % 97 == 5 { return n % 2 == 0 ? -1 : Int32(vocabulary) }
            let u = Double((n &* 2_654_435_761) % 1_000_003) / 1_000_003
            return Int32(Double(vocabulary) * u * u * u)
        }
    }

    static let embeddingShapes = [(tokens: 1, vocabulary: 3, columns: 7), (517, 300, 1031), (64, 5, 260)]

    /// dTable (seeded start values) after one embeddingBackward on `device`, as bits.
    static func embeddingGradient(on device: any Device, _ shape: (tokens: Int, vocabulary: Int, columns: Int)) throws -> [UInt32] {
        var values = SeededValues(seed: UInt64(shape.tokens + shape.columns))
        let dOut = values.floats(shape.tokens * shape.columns), start = values.floats(shape.vocabulary * shape.columns)
        let table = try device.makeBuffer(start, label: "dTable")
        try device.embeddingBackward(ids: device.makeBuffer(Self.ids(shape.tokens, vocabulary: shape.vocabulary), label: "ids"),
                                     outputGradient: device.makeBuffer(dOut, label: "dOut"), vocabulary: shape.vocabulary,
                                     columns: shape.columns, into: table)
        return try table.download(as: Float.self).map(\.bitPattern)
    }

    /// The table's gradient adds the same float32 values in the same (token) order on every
    /// device and has no products, so it must equal the host's bit for bit: tolerance zero.
    /// (The values are multiples of 2⁻²³, so no sum is subnormal, which a device may flush.)
    @Test("embedding gradient: the host's bits exactly, the same bits twice", arguments: TestDevices.all)
    func embedding(info: DeviceInfo) throws {
        let device = try TestDevices.open(info), host = try TestDevices.host
        for shape in Self.embeddingShapes {
            let (first, second) = (try Self.embeddingGradient(on: device, shape), try Self.embeddingGradient(on: device, shape))
            let reference = try Self.embeddingGradient(on: host, shape)
            #expect(first == second, "\(shape): a second run differs")
            #expect(first.count == reference.count && zip(first, reference).allSatisfy { $0 == $1 },
                    "\(shape): \(zip(first, reference).filter { $0 != $1 }.count) of \(first.count) elements differ from the host")
        }
    }

    /// The scratch of both gradients (the norm's partials, the embedding's links) comes from the
    /// device's buffer pool: the second call of the same shapes creates no buffer.
    @Test("a second call of both gradients creates no buffer", arguments: TestDevices.all)
    func scratchReused(info: DeviceInfo) throws {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
        let (rows, columns, vocabulary) = (70, 33, 11)
        let x = try device.makeBuffer([Float](repeating: 0.5, count: rows * columns), label: "x")
        let rstd = try device.makeBuffer([Float](repeating: 2, count: rows), label: "rstd")
        let dw = try device.makeBuffer(.float32, count: columns, label: "dw"), table = try device.makeBuffer(.float32, count: vocabulary * columns, label: "dTable")
        let ids = try device.makeBuffer(Self.ids(rows, vocabulary: vocabulary), label: "ids")
        func both() throws {
            try device.rmsNormWeightGradient(x, x: x, rstd: rstd, rows: rows, columns: columns, into: dw, update: .accumulate)
            try device.embeddingBackward(ids: ids, outputGradient: x, vocabulary: vocabulary, columns: columns, into: table)
        }
        try both()
        let before = device.operationCounts
        try both()
        let second = device.operationCounts.since(before)
        #expect(second.buffersCreated == 0, "\(second)")
        #expect(try dw.download(as: Float.self).allSatisfy { $0 == 2 * Float(rows) * 0.5 * 0.5 * 2 }, "dw after two accumulations")
    }
}
