import LoRAKit
import Testing

@Suite("Buffers and memory")
struct BufferTests {
    @Test("upload, download and ranges round-trip every element type", arguments: TestDevices.all)
    func roundTrip(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let floats: [Float] = [1.5, -2, 3.25, 0, .infinity, -0.0, .leastNonzeroMagnitude]
        let buffer = try device.makeBuffer(floats, label: "floats")
        #expect(try buffer.download(as: Float.self).map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try buffer.download(as: Float.self, range: 2..<4) == [3.25, 0])
        try buffer.upload([9, 8] as [Float], at: 5)
        #expect(try buffer.download(as: Float.self, range: 4..<7).map(\.bitPattern) == [Float.infinity, 9, 8].map(\.bitPattern))
        // Raw bytes into the caller's memory, at an element offset; partial elements and ranges past the end refused.
        var raw = [Float](repeating: 0, count: 2)
        try raw.withUnsafeMutableBytes { try buffer.download(bytes: $0, at: 1) }
        #expect(raw == [-2, 3.25])
        var odd = [UInt8](repeating: 0, count: 6)
        #expect { try odd.withUnsafeMutableBytes { try buffer.download(bytes: $0) } } throws: { "\($0)".contains("6 bytes are not whole float32 elements") }
        #expect { try raw.withUnsafeMutableBytes { try buffer.download(bytes: $0, at: 6) } } throws: { "\($0)".contains("elements 6..<8 are outside") }

        let halves: [Float16] = [1, -0.5, 65504, 0.1]
        #expect(try device.makeBuffer(halves, label: "halves").download(as: Float16.self) == halves)
        let bytes: [UInt8] = [0, 1, 127, 128, 255]
        #expect(try device.makeBuffer(bytes, label: "bytes").download(as: UInt8.self) == bytes)
    }

    @Test("new buffers are zero-filled", arguments: TestDevices.all)
    func zeroFilled(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        for _ in 0..<3 {
            let buffer = try device.makeBuffer(.float32, count: 4099, label: "fresh")
            #expect(try buffer.download(as: Float.self).allSatisfy { $0.bitPattern == 0 })
            try buffer.upload([Float](repeating: 7, count: 4099))
        }
    }

    @Test("wrong element type or out-of-range access is an error", arguments: TestDevices.all)
    func rejectsBadAccess(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let buffer = try device.makeBuffer(.float32, count: 4, label: "four")
        #expect {
            try buffer.upload([1, 2] as [UInt8])
        } throws: { error in
            guard case let DeviceError.typeMismatch(_, operand, expected, actual) = error else { return false }
            return operand.contains("four") && expected == .float32 && actual == .uint8
        }
        #expect(throws: DeviceError.self) { try buffer.upload([1, 2, 3] as [Float], at: 2) }
        #expect(throws: DeviceError.self) { try buffer.download(as: Float.self, range: 3..<5) }
        #expect(throws: DeviceError.self) { try buffer.download(as: Float16.self) }
        #expect(throws: DeviceError.self) { try device.makeBuffer(.float32, count: 0, label: "empty") }
    }

    @Test("same-device and cross-device copies", arguments: TestDevices.all)
    func copies(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        var seeded = SeededValues(seed: 1)
        let values = seeded.floats(1000)
        let source = try device.makeBuffer(values, label: "source")
        let sameDevice = try device.makeBuffer(.float32, count: 1000, label: "copy")
        try source.copy(to: sameDevice)
        #expect(try sameDevice.download(as: Float.self) == values)

        for other in TestDevices.all {
            let target = try TestDevices.open(other).makeBuffer(.float32, count: 1000, label: "on \(other.identifier)")
            try source.copy(to: target)
            #expect(try target.download(as: Float.self) == values, "\(info.identifier) → \(other.identifier)")
        }
        #expect(throws: DeviceError.self) { try source.copy(to: try device.makeBuffer(.float32, count: 999, label: "short")) }
        #expect(throws: DeviceError.self) { try source.copy(to: try device.makeBuffer(.float16, count: 1000, label: "half")) }
    }

    @Test("allocations are counted now and at peak, and freed ones are returned", arguments: TestDevices.all)
    func memoryAccounting(info: DeviceInfo) throws {
        // A separate instance, so tests running in parallel on the shared one do not disturb the count.
        let device = try Devices.openSeparately(info, kernels: KernelLibrary())
        let before = device.memoryUsage
        var buffer: DeviceBuffer? = try device.makeBuffer(.float32, count: 1 << 20, label: "four MiB")
        #expect(device.memoryUsage.currentBytes == before.currentBytes + (4 << 20))
        let halves = try device.makeBuffer(.float16, count: 1000, label: "halves")
        #expect(device.memoryUsage.currentBytes == before.currentBytes + (4 << 20) + 2000)
        buffer = nil
        _ = buffer
        #expect(device.memoryUsage.currentBytes == before.currentBytes + 2000)
        #expect(device.memoryUsage.peakBytes >= before.currentBytes + (4 << 20) + 2000)
        _ = halves
    }

    @Test("an allocation larger than the device says which, how big, and what is in use", arguments: TestDevices.all)
    func outOfMemory(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let elements = info.globalMemoryBytes / 4 + 1
        #expect {
            _ = try device.makeBuffer(.float32, count: elements, label: "huge activations")
        } throws: { error in
            guard case let DeviceError.outOfMemory(_, label, requested, _, limitBytes, _) = error else { return false }
            let text = "\(error)"
            return label == "huge activations" && requested == elements * 4 && limitBytes > 0
                && text.contains("huge activations") && text.contains("\(elements * 4) bytes")
        }
    }

    /// Devices keep freed buffers for reuse: a reused buffer must come back zero-filled, and idle
    /// buffers must not count as memory in use. A fresh device instance, so that nothing else
    /// allocates on it meanwhile.
    @Test("a reused buffer is zero-filled and idle buffers are not counted", arguments: TestDevices.all)
    func reuse(info: DeviceInfo) throws {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment())
        let before = device.memoryUsage.currentBytes
        for round in 0..<3 {
            let buffer = try device.makeBuffer(.float32, count: 3001, label: "scratch \(round)")
            let values: [Float] = try buffer.download()
            #expect(values.allSatisfy { $0 == 0 }, "round \(round) came back dirty")
            try buffer.upload([Float](repeating: .nan, count: 3001))
            #expect(device.memoryUsage.currentBytes == before + 3001 * 4)
        }
        #expect(device.memoryUsage.currentBytes == before)
        #expect(device.memoryUsage.peakBytes == before + 3001 * 4, "reuse must not raise the peak")
    }

    @Test("LORAKIT_MEMORY_LIMIT values: bytes with an optional unit")
    func memoryLimitValues() throws {
        #expect(MemoryLimit.parse("1500000") == 1_500_000)
        #expect(MemoryLimit.parse(" 512KiB ") == 512 << 10)
        #expect(MemoryLimit.parse("24GiB") == 24 << 30)
        #expect(MemoryLimit.parse("16GB") == 16_000_000_000)
        #expect(MemoryLimit.parse("3 MiB") == 3 << 20)
        for bad in ["", "0", "-5", "lots", "12XB", "1.5GiB", "99999999999999999999", "9223372036854775807KiB"] {
            #expect(MemoryLimit.parse(bad) == nil, "'\(bad)'")
        }
        #expect(try MemoryLimit.fromEnvironment([:]) == nil)
        #expect(try MemoryLimit.fromEnvironment(["LORAKIT_MEMORY_LIMIT": "2MiB"]) == 2 << 20)
        #expect { try MemoryLimit.fromEnvironment(["LORAKIT_MEMORY_LIMIT": "lots"]) } throws: { "\($0)".contains("'lots' is not a byte count") }
    }

    /// A limit below the device's memory: an allocation past it fails naming the allocation,
    /// its size, what is in use and the limit; the bytes in use are unchanged by the refusal.
    @Test("a memory limit refuses what does not fit under it", arguments: TestDevices.all)
    func memoryLimit(info: DeviceInfo) throws {
        let device = try Devices.openSeparately(info, kernels: .fromEnvironment(), environment: [MemoryLimit.variable: "64KiB"])
        let first = try device.makeBuffer(.float32, count: 10_000, label: "first")
        #expect {
            _ = try device.makeBuffer(.float32, count: 10_000, label: "second")
        } throws: { error in
            let text = "\(error)"
            return text.contains("'second'") && text.contains("40000 bytes") && text.contains("LORAKIT_MEMORY_LIMIT")
                && text.contains("64.0 KiB") && text.contains("39.1 KiB already in use")
        }
        #expect(device.memoryUsage.currentBytes == first.byteCount)
    }

    /// `BufferContents`: a reused buffer asked for with unspecified contents is not zero-filled;
    /// in debug builds (these tests) it holds all-ones bytes, NaN as float32, so an op that reads
    /// before it writes poisons what the tests check. A zeros buffer reusing the same memory is zero.
    @Test("a reused buffer of unspecified contents is NaN-poisoned in debug builds; zeros stay zeros", arguments: TestDevices.all)
    func unspecifiedContents(info: DeviceInfo) throws {
        let device = try TestDevices.open(info)
        let count = 4099
        do {
            let first = try device.makeBuffer(.float32, count: count, label: "first", contents: .unspecified)
            try first.upload([Float](repeating: 7, count: count))
        }
        let reused = try device.makeBuffer(.float32, count: count, label: "reused", contents: .unspecified)
        #expect(device.operationCounts.buffersReused > 0)
        let values = try reused.download(as: Float.self)
        #if DEBUG
        #expect(values.allSatisfy { $0.bitPattern == 0xFFFF_FFFF }, "poisoned: \(values.prefix(4))")
        #else
        #expect(values.allSatisfy { $0 == 7 }, "left as it was: \(values.prefix(4))")
        #endif
        try reused.upload([Float](repeating: 7, count: count))
        _ = consume reused
        let zeroed = try device.makeBuffer(.float32, count: count, label: "zeroed")
        #expect(try zeroed.download(as: Float.self).allSatisfy { $0 == 0 })
    }
}
