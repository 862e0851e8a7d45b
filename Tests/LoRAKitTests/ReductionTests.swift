import LoRAKit
import Testing

/// Row-wise sum of squares on every device against a double-precision reference. Summing C
/// non-negative terms in fp32 in any order errs by at most (C + 1)·u relative (u = 2⁻²⁴).
@Suite("Reduction")
struct ReductionTests {
    static let shapes: [(rows: Int, columns: Int)] = [(1, 1), (3, 37), (7, 64), (5, 1000), (300, 129), (2, 4096)]

    @Test("row sum of squares", arguments: TestDevices.all)
    func rowSumOfSquares(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
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
