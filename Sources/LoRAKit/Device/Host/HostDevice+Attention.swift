import CHostAttention

/// The host's fused attention (Sources/CHostAttention): forward jobs of 64 query rows per head,
/// backward jobs of one key/value head of one sequence (which owns its dK, dV and its query
/// heads' dQ rows, so jobs never write the same memory), spread over the cores. Those run at
/// full speed only while OpenBLAS's threads sleep (`OpenBLASThreadTimeout`).
extension HostDevice: FusedAttentionDevice {
    public func fusedCausalAttention(_ attention: AttentionShape, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
                                     positions: DeviceBuffer?, output: DeviceBuffer, logSumExp: DeviceBuffer) throws {
        let name = "fusedCausalAttention"
        var problem = try self.problem(attention, q: q, k: k, v: v, positions: positions, operation: name)
        try checkCounts(name, [("O", output, attention.heads * attention.headDimension), ("log-sum-exp", logSumExp, attention.heads)],
                        rows: attention.rows)
        let (o, lse) = (floats(output), floats(logSumExp))
        let tiles = (attention.sequenceLength + Int(LK_ATTENTION_TILE) - 1) / Int(LK_ATTENTION_TILE)
        try runJobs(attention.batch * attention.heads * tiles, scratchBytes: 64 * (4 * paddedDimension(attention) + 64) * 4) { job in
            let (b, h, tile) = (job / (attention.heads * tiles), job / tiles % attention.heads, job % tiles)
            return lk_attention_forward(&problem, o, lse, Int32(b), Int32(h), Int32(tile))
        }
    }

    public func fusedCausalAttentionBackward(_ attention: AttentionShape, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
                                             positions: DeviceBuffer?, output: DeviceBuffer, logSumExp: DeviceBuffer,
                                             outputGradient: DeviceBuffer, dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer) throws {
        let name = "fusedCausalAttentionBackward"
        var problem = try self.problem(attention, q: q, k: k, v: v, positions: positions, operation: name)
        let (qColumns, kvColumns) = (attention.heads * attention.headDimension, attention.keyValueHeads * attention.headDimension)
        try OperandCheck.float32([("O", output), ("log-sum-exp", logSumExp), ("dO", outputGradient), ("dQ", dq), ("dK", dk), ("dV", dv)],
                                 operation: name, on: self)
        try checkCounts(name, [("O", output, qColumns), ("log-sum-exp", logSumExp, attention.heads), ("dO", outputGradient, qColumns),
                               ("dQ", dq, qColumns), ("dK", dk, kvColumns), ("dV", dv, kvColumns)],
                        rows: attention.rows)
        let (o, lse, dO) = (UnsafePointer(floats(output)), UnsafePointer(floats(logSumExp)), UnsafePointer(floats(outputGradient)))
        let (pq, pk, pv) = (floats(dq), floats(dk), floats(dv))
        let scratch = (64 * (8 * paddedDimension(attention) + 128) + attention.sequenceLength * (attention.heads / attention.keyValueHeads + 1)) * 4
        try runJobs(attention.batch * attention.keyValueHeads, scratchBytes: scratch) { job in
            lk_attention_backward(&problem, o, lse, dO, pq, pk, pv, Int32(job / attention.keyValueHeads),
                                  Int32(job % attention.keyValueHeads))
        }
    }

    /// The C side's description of one call, after checking the inputs.
    private func problem(_ attention: AttentionShape, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer,
                         positions: DeviceBuffer?, operation: String) throws -> lk_attention_problem {
        try OperandCheck.float32([("Q", q), ("K", k), ("V", v)], operation: operation, on: self)
        let (t, d) = (attention.sequenceLength, attention.headDimension)
        let sizes = [attention.batch, t, attention.heads, attention.keyValueHeads, d]
        // The C side indexes tokens and heads with 32-bit integers (and strides with 64-bit ones).
        guard sizes.allSatisfy({ $0 >= 1 }), attention.heads % attention.keyValueHeads == 0,
              attention.rows <= Int(Int32.max) / max(attention.heads, 1) else {
            throw DeviceError.invalidShape(operation: operation, detail: "\(attention) needs positive sizes, heads a multiple of key/value heads, "
                                           + "and batch·T·heads under 2^31")
        }
        try checkCounts(operation, [("Q", q, attention.heads * d), ("K", k, attention.keyValueHeads * d), ("V", v, attention.keyValueHeads * d)],
                        rows: attention.rows)
        if let positions { try TransformerContract.positions(positions, rows: attention.rows, operation: operation, on: self) }
        let position = positions.map { UnsafePointer(memory($0).pointer.assumingMemoryBound(to: Int32.self)) }
        return lk_attention_problem(q: floats(q), k: floats(k), v: floats(v), positions: position, batch: Int32(attention.batch),
                                    length: Int32(t), heads: Int32(attention.heads), kv_heads: Int32(attention.keyValueHeads),
                                    head_dim: Int32(d), scale: 1 / Float(d).squareRoot(),
                                    instruction_set: attentionInstructionSet.map { Int32($0.rawValue) } ?? -1)
    }

    /// Each operand holds `rows` rows of its number of columns.
    private func checkCounts(_ operation: String, _ operands: [(String, DeviceBuffer, Int)], rows: Int) throws {
        for (name, buffer, columns) in operands { try TransformerContract.count(buffer, name, is: rows * columns, operation: operation) }
    }

    /// The head dimension rounded up to the C side's 16-float vectors.
    private func paddedDimension(_ attention: AttentionShape) -> Int { (attention.headDimension + 15) / 16 * 16 }

    /// Runs jobs 0..<count over the cores; a job answers 0, or −1 when its tile scratch
    /// (`scratchBytes`, under a megabyte at Llama's shapes; malloc'd by the C side, outside the
    /// device's memory count) could not be allocated.
    private func runJobs(_ count: Int, scratchBytes: Int, _ job: (Int) -> Int32) throws {
        let failures = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        defer { failures.deallocate() }
        ParallelLoop.chunks(count, minimumChunk: 1, heavy: true) { range in
            for index in range { failures[index] = job(index) }
        }
        if (0..<count).contains(where: { failures[$0] != 0 }) {
            throw DeviceError.outOfMemory(device: info.identifier, label: "fused attention tile scratch", requestedBytes: scratchBytes,
                                          inUseBytes: memoryUsage.currentBytes, limitBytes: info.globalMemoryBytes, limit: "the system's memory")
        }
    }
}

/// The copies of the host's fused attention, least capable first (`HostDevice(attentionInstructionSet:)`).
public enum HostAttentionInstructionSet: Int, Sendable, CaseIterable, CustomStringConvertible {
    case baseline = 0, avx2 = 1, avx512 = 2

    /// What this CPU runs when allowed up to `cap` (nil: its best).
    public static func inUse(cap: HostAttentionInstructionSet? = nil) -> HostAttentionInstructionSet {
        HostAttentionInstructionSet(rawValue: Int(lk_attention_instruction_set(Int32(cap?.rawValue ?? -1)).rawValue)) ?? .baseline
    }

    public var description: String { ["baseline (SSE2)", "AVX2 + FMA", "AVX-512"][rawValue] }
}
