import LoRAKit
import Testing

/// Row-wise sum of squares on every device against a double-precision reference. Summing C
/// non-negative terms in fp32 in any order errs by at most (C + 1)·u relative (u = 2⁻²⁴).
@Suite("Reduction")
struct ReductionTests {
    static let shapes: [(rows: Int, columns: Int)] = [(1, 1), (3, 37), (7, 64), (5, 1000), (300, 129), (2, 4096)]

    @Test("row sum of squares", arguments: TestDevices.all)
    func rowSumOfSquares(info: DeviceInfo) throws { try Self.checkRowSumOfSquares(on: TestDevices.open(info)) }

    static func checkRowSumOfSquares(on device: any Device) throws {
        for (index, shape) in Self.shapes.enumerated() {
            var values = SeededValues(seed: UInt64(200 + index))
            let x = values.floats(shape.rows * shape.columns)
            let out = try device.makeBuffer(.float32, count: shape.rows, label: "out")
            try device.rowSumOfSquares(try device.makeBuffer(x, label: "x"), rows: shape.rows, columns: shape.columns, into: out)
            let expected = (0..<shape.rows).map { row in
                x[row * shape.columns..<(row + 1) * shape.columns].reduce(0.0) { $0 + Double($1) * Double($1) }
            }
            let bound = expected.map { Double(shape.columns + 1) * float32Roundoff * $0 }
            expectWithin(try out.download(), expected, bound: bound, "\(shape.rows)×\(shape.columns)")
        }
    }

    /// The global gradient norm's first pass: parts of odd sizes, written at an offset into a
    /// shared buffer whose other slots stay untouched. Bound as above, (part size + 1)·u.
    @Test("partial sums of squares over fixed parts", arguments: TestDevices.all)
    func partialSums(info: DeviceInfo) throws { try Self.checkPartialSums(on: TestDevices.open(info)) }

    static func checkPartialSums(on device: any Device) throws {
        for (index, (n, parts)) in [(1, 1), (37, 1), (37, 5), (1000, 7), (300_007, 64), (65, 65)].enumerated() {
            var values = SeededValues(seed: UInt64(300 + index))
            let x = values.floats(n)
            let partials = try device.makeBuffer([Float](repeating: -1, count: parts + 3), label: "partials")
            try device.partialSumsOfSquares(device.makeBuffer(x, label: "x"), parts: parts, into: partials, at: 2)
            let expected = (0..<parts).map { p in x[(p * n / parts)..<((p + 1) * n / parts)].reduce(0.0) { $0 + Double($1) * Double($1) } }
            let got: [Float] = try partials.download()
            #expect(got[0] == -1 && got[1] == -1 && got[parts + 2] == -1, "slots outside the parts changed (n \(n), parts \(parts))")
            let bound = expected.map { Double(n / parts + 2) * float32Roundoff * $0 }
            expectWithin(Array(got[2..<(parts + 2)]), expected, bound: bound, "n \(n) in \(parts) parts")
        }
        let x = try device.makeBuffer(.float32, count: 10, label: "x"), partials = try device.makeBuffer(.float32, count: 4, label: "partials")
        for (parts, offset) in [(0, 0), (11, 0), (4, 1), (2, -1)] {
            #expect(throws: DeviceError.self, "parts \(parts) at \(offset)") {
                try device.partialSumsOfSquares(x, parts: parts, into: partials, at: offset)
            }
        }
    }

    @Test("shapes that disagree with the buffers are rejected", arguments: TestDevices.all)
    func rejectsBadInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let x = try device.makeBuffer(.float32, count: 12, label: "x")
        let out = try device.makeBuffer(.float32, count: 3, label: "out")
        try device.rowSumOfSquares(x, rows: 3, columns: 4, into: out)
        for (rows, columns) in [(4, 4), (3, 5), (2, 6), (0, 12)] {
            #expect(throws: DeviceError.self, "rows \(rows), columns \(columns)") {
                try device.rowSumOfSquares(x, rows: rows, columns: columns, into: out)
            }
        }
    }
}
