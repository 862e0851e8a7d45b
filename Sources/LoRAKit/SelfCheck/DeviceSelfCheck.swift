import LoRAKitGGUF

/// A quick end-to-end check of one device: GEMM (CLBlast or OpenBLAS) and kernels of each
/// program, compared with the host. `lorakit devices --check` runs it; CI runs that from a binary
/// copied outside the checkout, which proves the kernels travel inside the binary.
public enum DeviceSelfCheck {
    /// Throws the first failure; returns the largest relative difference from the host.
    public static func run(on device: any Device) throws -> Double {
        let host = HostDevice()
        let (m, n, k) = (33, 17, 65)
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) / 13 - 0.5 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 11) / 11 - 0.5 }
        var results: [[Float]] = []
        for target in [host as any Device, device] {
            let c = try target.makeBuffer(.float32, count: m * n, label: "selfcheck.C")
            try target.gemm(m: m, n: n, k: k, a: try target.makeBuffer(a, label: "selfcheck.A"),
                            b: try target.makeBuffer(b, label: "selfcheck.B"), c: c)
            try target.axpy(alpha: 0.5, x: c, y: c)
            let sums = try target.makeBuffer(.float32, count: m, label: "selfcheck.sums")
            try target.rowSumOfSquares(c, rows: m, columns: n, into: sums)
            // The LoRA kernels: dropout, then a LoRA-style T = C·B' (rank 4) and its expansion T·B'ᵀ.
            try target.dropout(c, into: c, probability: 0.25, key: DropoutKey(seed: 1, stream: 2, step: 3))
            let rank = 4, lowRankB = try target.makeBuffer(b.prefix(n * rank).map { $0 }, label: "selfcheck.loraB")
            let t = try target.makeBuffer(.float32, count: m * rank, label: "selfcheck.T")
            try target.gemm(m: m, n: rank, k: n, a: c, b: lowRankB, c: t)
            let y = try target.makeBuffer(.float32, count: m * n, label: "selfcheck.Y")
            try target.loraExpand(t: t, b: lowRankB, bias: nil, scale: 0.5, rows: m, outFeatures: n, rank: rank, into: y)
            // bfloat16 storage: C rounded, then widened back from an offset.
            let brain = try target.makeBuffer(.bfloat16, count: m * n, label: "selfcheck.C bf16")
            try target.convert(c, into: brain)
            try target.widen(brain, range: n..<(m * n), into: y)
            results.append(try c.download() + sums.download() + y.download() + quantizedBases(on: target))
        }
        // A NaN would compare as no difference at all.
        if let bad = results.joined().firstIndex(where: { !$0.isFinite }) {
            throw DeviceError.invalidShape(operation: "self-check", detail: "a non-finite value at \(bad) (host results, then \(device.info.identifier)'s)")
        }
        return try largestDifference(results, device: device)
    }

    /// The largest relative difference of the device's results from the host's; throws above 1e-4.
    private static func largestDifference(_ results: [[Float]], device: any Device) throws -> Double {
        var worst = 0.0
        for (expected, actual) in zip(results[0], results[1]) {
            let difference = Double(abs(expected - actual)) / max(1, Double(abs(expected)))
            worst = max(worst, difference)
        }
        guard worst < 1e-4 else {
            throw DeviceError.invalidShape(operation: "self-check",
                                           detail: "\(device.info.identifier) differs from the host by \(worst) (relative)")
        }
        return worst
    }

    /// The packed-base kernels: an NF4 weight with double-quantized absmax, and GGUF Q4_0 and
    /// Q4_K blocks (fixed byte patterns with small scales), each dequantized on `device`.
    private static func quantizedBases(on device: any Device) throws -> [Float] {
        let values = (0..<512).map { Float(($0 * 37) % 29) / 29 - 0.5 }
        let nf4 = try NF4Weight(NF4Codec.quantize(values, shape: [8, 64]), on: device, label: "selfcheck.nf4")
        var out: [Float] = []
        for weight in [FrozenWeight.nf4(nf4)] + (try [GGMLType.q4_0, .q4_K].map { try ggufWeight($0, on: device) }) {
            let w = try device.makeBuffer(.float32, count: 512, label: "selfcheck.dequantized")
            switch weight {
            case .nf4(let n): try n.dequantize(into: w)
            case .gguf(let g): try g.dequantize(into: w)
            case .dense: break
            }
            out += try w.download()
        }
        return out
    }

    /// 512 elements of `type` from a fixed byte pattern whose float16 scales are small and finite.
    private static func ggufWeight(_ type: GGMLType, on device: any Device) throws -> FrozenWeight {
        var bytes = (0..<type.byteCount(elements: 512)!).map { UInt8(($0 * 73 + 5) & 0xFF) }
        for block in stride(from: 0, to: bytes.count, by: type.bytesPerBlock) {
            // Each block starts with float16 scale(s): 0x2C00 = 2⁻⁴ keeps every value finite.
            (bytes[block], bytes[block + 1]) = (0x00, 0x2C)
            if type == .q4_K { (bytes[block + 2], bytes[block + 3]) = (0x00, 0x2C) }
        }
        return .gguf(try GGUFWeight(type: type, shape: [2, 256], bytes: bytes, on: device, label: "selfcheck.\(type)"))
    }
}
