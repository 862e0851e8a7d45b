import Foundation

/// The two ops that make packed sequences (several examples in one sequence) equal to the
/// examples run alone: RoPE at per-token positions and block-diagonal causal softmax.
extension HostDevice {
    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, positions: DeviceBuffer, inverseFrequencies: DeviceBuffer,
                     inverse: Bool) throws {
        try TransformerContract.rope(x: x, rows: rows, heads: heads, headDimension: headDimension, positions: positions,
                                     inverseFrequencies: inverseFrequencies, on: self)
        let half = headDimension / 2, sign: Float = inverse ? -1 : 1
        let inverseFrequency = UnsafePointer(floats(inverseFrequencies)), px = floats(x)
        let position = UnsafePointer(memory(positions).pointer.assumingMemoryBound(to: Int32.self))
        ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 14) / (heads * headDimension))) { rowRange in
            var angles = [Float](repeating: 0, count: 2 * half)
            for row in rowRange {
                let p = Float(position[row])
                for i in 0..<half {
                    angles[2 * i] = cos(p * inverseFrequency[i])
                    angles[2 * i + 1] = sign * sin(p * inverseFrequency[i])
                }
                for h in 0..<heads {
                    let v = px + (row * heads + h) * headDimension
                    for i in 0..<half {
                        let c = angles[2 * i], s = angles[2 * i + 1], a = v[i], b = v[i + half]
                        v[i] = a * c - b * s
                        v[i + half] = b * c + a * s
                    }
                }
            }
        }
    }

    public func packedCausalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, positions: DeviceBuffer, scale: Float,
                                    into probabilities: DeviceBuffer) throws {
        try TransformerContract.packedCausalSoftmax(scores: scores, probabilities: probabilities, groups: groups, length: length,
                                                    positions: positions, on: self)
        let ps = UnsafePointer(floats(scores)), pp = floats(probabilities), t = length
        let position = UnsafePointer(memory(positions).pointer.assumingMemoryBound(to: Int32.self))
        let headsPerSequence = groups / (positions.count / length)
        ParallelLoop.chunks(groups * t, minimumChunk: max(1, (1 << 14) / t), heavy: true) { rowRange in
            for row in rowRange {
                let query = row % t, sequence = row / t / headsPerSequence
                // Clamped, so a bad position can narrow the window but never reach outside the row.
                let first = query - min(query, max(0, Int(position[sequence * t + query])))
                let s = ps + row * t + first, p = pp + row * t
                let count = query - first + 1
                let largest = scale > 0 ? scale * HostMath.maximum(s, count: count)
                    : (0..<count).reduce(-Float.infinity) { Swift.max($0, scale * s[$1]) }
                let sum = HostMath.sumOfExponentials(s, count: count, scale: scale, shift: largest, store: p + first)
                HostMath.scale(p + first, count: count, by: 1 / sum)
                if first > 0 { p.initialize(repeating: 0, count: first) }
                if query + 1 < t { (p + query + 1).initialize(repeating: 0, count: t - query - 1) }
            }
        }
    }
}
