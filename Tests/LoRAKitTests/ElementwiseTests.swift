import LoRAKit
import Testing

/// axpy, scale, add and fp16/bf16 conversion on every device. Each result element comes from at
/// most two roundings of the double-precision value (a possible FMA contraction on OpenCL
/// included), each bounded by u = 2⁻²⁴ relative; conversions must match Swift's Float16 rounding
/// and a bfloat16 rounding written from its definition exactly.
@Suite("Elementwise")
struct ElementwiseTests {
    /// Odd and round sizes, including one past a work-group and one big enough for the host's
    /// multi-threaded path.
    static let sizes = [1, 63, 64, 65, 1000, 300_007]

    @Test("axpy, scale, add", arguments: TestDevices.all)
    func arithmetic(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for (index, n) in Self.sizes.enumerated() {
            var values = SeededValues(seed: UInt64(100 + index))
            let x = values.floats(n), y = values.floats(n)
            let bufferX = try device.makeBuffer(x, label: "x")
            let bufferY = try device.makeBuffer(y, label: "y")

            try device.axpy(alpha: -0.3, x: bufferX, y: bufferY)
            // One rounding of alpha·x (none if fused) and one of the sum.
            let alphaX = x.map { Double(Float(-0.3)) * Double($0) }
            let axpy = zip(alphaX, y).map { $0 + Double($1) }
            let axpyBound = zip(alphaX, axpy).map { float32Roundoff * (abs($0) + abs($1)) }
            expectWithin(try bufferY.download(), axpy, bound: axpyBound, "axpy n=\(n)")

            try device.scale(bufferX, by: 3.5)
            let scaled = x.map { 3.5 * Double($0) }
            expectWithin(try bufferX.download(), scaled, bound: scaled.map { float32Roundoff * abs($0) }, "scale n=\(n)")

            let sum = try device.makeBuffer(.float32, count: n, label: "sum")
            let yNow: [Float] = try bufferY.download()
            try device.add(bufferX, bufferY, into: sum)
            let added = zip(x, yNow).map { Double(Float(3.5 * Double($0))) + Double($1) }
            expectWithin(try sum.download(), added, bound: added.map { float32Roundoff * abs($0) }, "add n=\(n)")

            // out may alias an input.
            try device.add(bufferX, bufferY, into: bufferY)
            expectWithin(try bufferY.download(), added, bound: added.map { float32Roundoff * abs($0) }, "add in place n=\(n)")
        }
    }

    @Test("float32 ↔ float16 conversion rounds like Swift's Float16", arguments: TestDevices.all)
    func halfConversion(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var values = SeededValues(seed: 3)
        // Ordinary values, values that round, subnormal halves, overflow to infinity, signed zero.
        let source: [Float] = values.floats(997).map { $0 * 300 }
            + [0, -0.0, 1, -1, 65504, 65520, 70000, -70000, 6e-8, 3e-5, 1.0009765625, 2049, 0.1]
        let floats = try device.makeBuffer(source, label: "floats")
        let halves = try device.makeBuffer(.float16, count: source.count, label: "halves")
        try device.convert(floats, into: halves)
        let expected = source.map { Float16($0) }
        let got: [Float16] = try halves.download()
        #expect(got.map(\.bitPattern) == expected.map(\.bitPattern))

        let back = try device.makeBuffer(.float32, count: source.count, label: "back")
        try device.convert(halves, into: back)
        let widened: [Float] = try back.download()
        #expect(widened.map(\.bitPattern) == expected.map { Float($0).bitPattern })
    }

    /// Every one of the 65536 bfloat16 patterns widens to its bits << 16 (NaN payloads, ±∞,
    /// subnormals and −0 included), by `convert` and by `widen` from an offset into a larger
    /// buffer whose other elements must stay as they were.
    @Test("bfloat16 → float32 widening is bits << 16 for every pattern", arguments: TestDevices.all)
    func bfloat16Widening(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let patterns = (0...UInt16.max).map { BFloat16(bitPattern: $0) }
        let expected = patterns.map { UInt32($0.bitPattern) << 16 }
        #expect(patterns.map { Float($0).bitPattern } == expected, "BFloat16 → Float on the host")
        let stored = try device.makeBuffer(patterns, label: "bfloat16")
        let widened = try device.makeBuffer(.float32, count: patterns.count, label: "widened")
        try device.convert(stored, into: widened)
        #expect(try widened.download(as: Float.self).map(\.bitPattern) == expected, "convert")
        let sentinel = Float(-7.25)
        let scratch = try device.makeBuffer([Float](repeating: sentinel, count: 1000), label: "scratch")
        try device.widen(stored, range: 30_000..<30_999, into: scratch)
        let got: [Float] = try scratch.download()
        #expect(got.prefix(999).map(\.bitPattern) == Array(expected[30_000..<30_999]), "widen from an offset")
        #expect(got[999] == sentinel, "widen wrote past its range")
    }

    /// float32 → bfloat16 against a rounding written from the definition (`ReferenceBFloat16`):
    /// ties to even, overflow to ±∞, subnormals, NaN to 0x7FC0; on the host (`BFloat16(_:)`) and
    /// by `convert` on every device, with 200 000 random bit patterns besides the special values.
    @Test("float32 → bfloat16 rounds to nearest even, bit for bit with the reference", arguments: TestDevices.all)
    func bfloat16Rounding(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var state: UInt64 = 0x5DEE_CE66
        let random = (0..<200_000).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(bitPattern: UInt32(truncatingIfNeeded: state >> 32))
        }
        let source = ReferenceBFloat16.specialValues + random
        let expected = source.map(ReferenceBFloat16.bits)
        #expect(source.map { BFloat16($0).bitPattern } == expected, "BFloat16(_:) on the host")
        let narrowed = try device.makeBuffer(.bfloat16, count: source.count, label: "narrowed")
        try device.convert(device.makeBuffer(source, label: "floats"), into: narrowed)
        let got = try narrowed.download(as: BFloat16.self).map(\.bitPattern)
        let wrong = zip(source, zip(got, expected)).filter { $1.0 != $1.1 }, misrounded = wrong.count
        #expect(misrounded == 0, "first: \(wrong.first.map { "bits \($0.0.bitPattern) → \($0.1.0), expected \($0.1.1)" } ?? "")")
        #expect(got[ReferenceBFloat16.specialValues.firstIndex { $0.isNaN }!] == 0x7FC0, "NaN stays NaN")
    }

    @Test("mismatched counts and types are rejected", arguments: TestDevices.all)
    func rejectsBadInput(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let x = try device.makeBuffer(.float32, count: 10, label: "x")
        let y = try device.makeBuffer(.float32, count: 11, label: "y")
        let bytes = try device.makeBuffer(.uint8, count: 10, label: "bytes")
        #expect {
            try device.axpy(alpha: 1, x: x, y: y)
        } throws: { error in
            guard case let DeviceError.invalidShape(operation, detail) = error else { return false }
            return operation == "axpy" && detail.contains("11") && detail.contains("10")
        }
        #expect {
            try device.add(x, bytes, into: x)
        } throws: { error in
            guard case let DeviceError.typeMismatch(operation, _, _, actual) = error else { return false }
            return operation == "add" && actual == .uint8
        }
        #expect {
            try device.convert(x, into: bytes)
        } throws: { error in
            guard case DeviceError.typeMismatch(operation: "convert", _, _, _) = error else { return false }
            return true
        }
        let brain = try device.makeBuffer(.bfloat16, count: 10, label: "brain")
        #expect { try device.convert(brain, into: device.makeBuffer(.float16, count: 10, label: "half")) } throws: { error in
            guard case DeviceError.typeMismatch(operation: "convert", _, _, _) = error else { return false }
            return true
        }
        #expect { try device.widen(x, range: 0..<10, into: y) } throws: { "\($0)".contains("widen") }
        #expect { try device.widen(brain, range: 5..<11, into: y) } throws: { "\($0)".contains("5..<11") }
        #expect { try device.widen(brain, range: 0..<10, into: device.makeBuffer(.float32, count: 9, label: "short")) } throws: {
            "\($0)".contains("smaller")
        }
    }

    /// Zeroing must clear NaN and ±∞, which scaling by 0 keeps (0·NaN = NaN, 0·∞ = NaN).
    @Test("fill overwrites every element, NaN and infinities included", arguments: TestDevices.all)
    func fill(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for n in Self.sizes {
            var values = SeededValues(seed: UInt64(n))
            var x = values.floats(n)
            x[0] = .nan
            x[n / 2] = .infinity
            x[n - 1] = -.infinity
            let buffer = try device.makeBuffer(x, label: "x")
            try device.scale(buffer, by: 0)
            #expect(try buffer.download(as: Float.self)[0].isNaN, "scale by 0 keeps NaN (why fill exists)")
            try device.fill(buffer, with: 0)
            #expect(try buffer.download(as: Float.self).allSatisfy { $0 == 0 && $0.sign == .plus }, "fill 0, n=\(n)")
            try device.fill(buffer, with: -2.5)
            #expect(try buffer.download(as: Float.self).allSatisfy { $0 == -2.5 }, "fill −2.5, n=\(n)")
        }
        let half = try device.makeBuffer(.float16, count: 4, label: "half")
        #expect(throws: DeviceError.self) { try device.fill(half, with: 0) }
    }

    @Test("broadcastRows copies the row into every row, exactly", arguments: TestDevices.all)
    func broadcastRows(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for (rows, n) in [(1, 1), (3, 37), (65, 64), (1000, 7)] {
            var values = SeededValues(seed: UInt64(rows * 31 + n))
            let row = values.floats(n)
            let out = try device.makeBuffer([Float](repeating: .nan, count: rows * n), label: "out")
            try device.broadcastRows(device.makeBuffer(row, label: "row"), rows: rows, into: out)
            #expect(try out.download(as: Float.self) == Array((0..<rows).map { _ in row }.joined()), "\(rows)×\(n)")
        }
        let row = try device.makeBuffer(.float32, count: 4, label: "row")
        #expect(throws: DeviceError.self) { try device.broadcastRows(row, rows: 3, into: device.makeBuffer(.float32, count: 13, label: "out")) }
    }
}
