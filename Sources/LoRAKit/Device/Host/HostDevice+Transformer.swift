import Foundation

extension HostDevice {
    public func rmsNorm(_ x: DeviceBuffer, weight: DeviceBuffer, epsilon: Float, rows: Int, columns: Int,
                        into y: DeviceBuffer, rstd: DeviceBuffer) throws {
        try TransformerContract.rmsNorm(x: x, weight: weight, y: y, rstd: rstd, rows: rows, columns: columns, epsilon: epsilon, on: self)
        let px = UnsafePointer(floats(x)), pw = UnsafePointer(floats(weight)), py = floats(y), ps = floats(rstd)
        ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 15) / columns)) { rowRange in
            for r in rowRange {
                let row = px + r * columns, out = py + r * columns
                let s = 1 / (Self.sumOfSquares(row, count: columns) / Float(columns) + epsilon).squareRoot()
                for c in 0..<columns { out[c] = row[c] * s * pw[c] }
                ps[r] = s
            }
        }
    }

    public func rmsNormBackward(_ dy: DeviceBuffer, x: DeviceBuffer, weight: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                                into dx: DeviceBuffer, update: GradientUpdate) throws {
        try TransformerContract.rmsNormBackward(dy: dy, x: x, weight: weight, rstd: rstd, dx: dx, rows: rows, columns: columns, on: self)
        let pdy = UnsafePointer(floats(dy)), px = UnsafePointer(floats(x)), pw = UnsafePointer(floats(weight))
        let ps = UnsafePointer(floats(rstd)), pdx = floats(dx)
        ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 15) / columns)) { rowRange in
            for r in rowRange {
                let base = r * columns
                var dot: Float = 0
                for c in 0..<columns { dot += pw[c] * pdy[base + c] * px[base + c] }
                let s = ps[r]
                let correction = dot * s * s * s / Float(columns)
                for c in 0..<columns {
                    let g = s * pw[c] * pdy[base + c] - px[base + c] * correction
                    pdx[base + c] = update == .accumulate ? pdx[base + c] + g : g
                }
            }
        }
    }

    public func rmsNormWeightGradient(_ dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                                      into dw: DeviceBuffer, update: GradientUpdate) throws {
        try TransformerContract.rmsNormWeightGradient(dy: dy, x: x, rstd: rstd, dw: dw, rows: rows, columns: columns, on: self)
        let pdy = UnsafePointer(floats(dy)), px = UnsafePointer(floats(x)), ps = UnsafePointer(floats(rstd)), pdw = floats(dw)
        // Column blocks in parallel; each walks the rows in order, as the kernel does.
        ParallelLoop.chunks(columns, minimumChunk: 64) { columnRange in
            let first = columnRange.lowerBound
            var sums = [Float](repeating: 0, count: columnRange.count)
            sums.withUnsafeMutableBufferPointer { sum in
                for r in 0..<rows {
                    let base = r * columns, s = ps[r]
                    for c in columnRange { sum[c - first] += pdy[base + c] * px[base + c] * s }
                }
                for c in columnRange { pdw[c] = update == .accumulate ? pdw[c] + sum[c - first] : sum[c - first] }
            }
        }
    }

    public func swiglu(gate: DeviceBuffer, up: DeviceBuffer, into out: DeviceBuffer) throws {
        try TransformerContract.swiglu([("gate", gate), ("up", up), ("out", out)], operation: "swiglu", on: self)
        let pg = floats(gate), pu = floats(up), po = floats(out)
        ParallelLoop.chunks(gate.count) { range in
            HostMath.forEachVector(range) { i in
                let g = HostMath.load(pg, i)
                HostMath.store(g / (1 + HostMath.exp(-g)) * HostMath.load(pu, i), po, i)
            } scalar: { i in
                po[i] = pg[i] / (1 + HostMath.exp(-pg[i])) * pu[i]
            }
        }
    }

    public func swigluBackward(_ dOut: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, gateGradient: DeviceBuffer, upGradient: DeviceBuffer) throws {
        try TransformerContract.swiglu([("dOut", dOut), ("gate", gate), ("up", up), ("gateGradient", gateGradient), ("upGradient", upGradient)],
                                       operation: "swigluBackward", on: self)
        let pd = floats(dOut), pg = floats(gate), pu = floats(up), pdg = floats(gateGradient), pdu = floats(upGradient)
        ParallelLoop.chunks(dOut.count) { range in
            HostMath.forEachVector(range) { i in
                let g = HostMath.load(pg, i), d = HostMath.load(pd, i), sigmoid = 1 / (1 + HostMath.exp(-g))
                HostMath.store(d * HostMath.load(pu, i) * sigmoid * (1 + g * (1 - sigmoid)), pdg, i)
                HostMath.store(d * g * sigmoid, pdu, i)
            } scalar: { i in
                let g = pg[i], sigmoid = 1 / (1 + HostMath.exp(-g)), d = pd[i]
                pdg[i] = d * pu[i] * sigmoid * (1 + g * (1 - sigmoid))
                pdu[i] = d * g * sigmoid
            }
        }
    }

    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int, inverseFrequencies: DeviceBuffer,
                     inverse: Bool, positionOffset: Int) throws {
        try TransformerContract.rope(x: x, rows: rows, heads: heads, headDimension: headDimension, sequenceLength: sequenceLength,
                                     inverseFrequencies: inverseFrequencies, positionOffset: positionOffset, on: self)
        let half = headDimension / 2
        let inverseFrequency = UnsafePointer(floats(inverseFrequencies))
        let sign: Float = inverse ? -1 : 1
        let px = floats(x)
        // cos and sin once per (position, frequency): every sequence and head reuses them.
        let positions = min(rows, sequenceLength)
        var table = [Float](repeating: 0, count: positions * half * 2)
        table.withUnsafeMutableBufferPointer { t in
            for p in 0..<positions {
                let position = Float(positionOffset + p)
                for i in 0..<half {
                    let angle = position * inverseFrequency[i]
                    t[(p * half + i) * 2] = cos(angle)
                    t[(p * half + i) * 2 + 1] = sign * sin(angle)
                }
            }
        }
        table.withUnsafeBufferPointer { t in
            let angles = t.baseAddress!
            ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 14) / (heads * headDimension))) { rowRange in
                for row in rowRange {
                    let entry = angles + (row % sequenceLength) * half * 2
                    for h in 0..<heads {
                        let v = px + (row * heads + h) * headDimension
                        for i in 0..<half {
                            let c = entry[2 * i], s = entry[2 * i + 1]
                            let a = v[i], b = v[i + half]
                            v[i] = a * c - b * s
                            v[i + half] = b * c + a * s
                        }
                    }
                }
            }
        }
    }
}

extension HostDevice {
    public func causalSoftmax(_ scores: DeviceBuffer, groups: Int, rows: Int, columns: Int, scale: Float,
                              into probabilities: DeviceBuffer) throws {
        try TransformerContract.causalSoftmax([("scores", scores), ("probabilities", probabilities)], groups: groups, rows: rows,
                                              columns: columns, operation: "causalSoftmax", on: self)
        let ps = UnsafePointer(floats(scores)), pp = floats(probabilities), t = columns
        ParallelLoop.chunks(groups * rows, minimumChunk: max(1, (1 << 14) / t), heavy: true) { rowRange in
            for row in rowRange {
                let position = row % rows + (columns - rows), s = ps + row * t, p = pp + row * t
                // Scaling by a positive number keeps the maximum's place, so max(scale·s) = scale·max(s).
                let largest = scale > 0 ? scale * HostMath.maximum(s, count: position + 1)
                    : (0...position).reduce(-Float.infinity) { Swift.max($0, scale * s[$1]) }
                let sum = HostMath.sumOfExponentials(s, count: position + 1, scale: scale, shift: largest, store: p)
                HostMath.scale(p, count: position + 1, by: 1 / sum)
                if position + 1 < t { (p + position + 1).initialize(repeating: 0, count: t - position - 1) }
            }
        }
    }

    public func causalSoftmaxBackward(probabilities: DeviceBuffer, gradient dP: DeviceBuffer, groups: Int, length: Int, scale: Float,
                                      into dS: DeviceBuffer) throws {
        try TransformerContract.causalSoftmax([("probabilities", probabilities), ("dP", dP), ("dS", dS)], groups: groups, rows: length,
                                              columns: length, operation: "causalSoftmaxBackward", on: self)
        let pp = UnsafePointer(floats(probabilities)), pd = floats(dP), ps = floats(dS), t = length
        ParallelLoop.chunks(groups * t, minimumChunk: max(1, (1 << 14) / t)) { rowRange in
            for row in rowRange {
                let position = row % t, base = row * t
                let dot = HostMath.dot(pp + base, pd + base, count: position + 1)
                HostMath.softmaxBackward(pp + base, pd + base, dot: dot, scale: scale, count: position + 1, into: ps + base)
                if position + 1 < t { (ps + base + position + 1).initialize(repeating: 0, count: t - position - 1) }
            }
        }
    }

    public func crossEntropy(logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, vocabulary: Int, gradientScale: Float,
                             losses: DeviceBuffer, logitsGradient: DeviceBuffer?) throws {
        try TransformerContract.crossEntropy(logits: logits, labels: labels, losses: losses, gradient: logitsGradient,
                                             rows: rows, vocabulary: vocabulary, on: self)
        let pz = UnsafePointer(floats(logits)), pl = memory(labels).pointer.assumingMemoryBound(to: Int32.self)
        let ploss = floats(losses), pg = logitsGradient.map { floats($0) }, v = vocabulary
        // One row per task: max, then Σe^(z−max) writing each term into the gradient row (which may
        // be the logits row itself), then one scaling pass: softmax·scale, minus scale at the label.
        ParallelLoop.chunks(rows, minimumChunk: max(1, (1 << 15) / v), heavy: true) { rowRange in
            for row in rowRange {
                let label = Int(pl[row]), z = pz + row * v
                guard label >= 0, label < v else {   // −100 is ignored; anything else out of range is NaN
                    ploss[row] = label == -100 ? 0 : .nan
                    if let pg { (pg + row * v).initialize(repeating: 0, count: v) }
                    continue
                }
                let labelLogit = z[label]   // read before an in-place gradient overwrites it
                let largest = HostMath.maximum(z, count: v)
                let g = pg.map { $0 + row * v }
                let sum = HostMath.sumOfExponentials(z, count: v, scale: 1, shift: largest, store: g)
                ploss[row] = log(sum) + largest - labelLogit
                if let g {
                    HostMath.scale(g, count: v, by: gradientScale / sum)
                    g[label] -= gradientScale
                }
            }
        }
    }
}

extension HostDevice {
    public func embedding(ids: DeviceBuffer, table: DeviceBuffer, vocabulary: Int, columns: Int, into out: DeviceBuffer) throws {
        try TransformerContract.embedding(ids: ids, table: table, out: out, vocabulary: vocabulary, columns: columns, on: self)
        let pid = memory(ids).pointer.assumingMemoryBound(to: Int32.self), po = floats(out)
        let half = table.elementType == .float16 ? memory(table).halves(count: table.count) : nil
        let brain = table.elementType == .bfloat16 ? memory(table).bfloat16s(count: table.count) : nil
        let full = table.elementType == .float32 ? floats(table) : nil
        ParallelLoop.chunks(ids.count, minimumChunk: max(1, (1 << 15) / columns)) { range in
            for n in range {
                let id = Int(pid[n]), row = po + n * columns
                guard id >= 0, id < vocabulary else {
                    row.initialize(repeating: 0, count: columns)
                    continue
                }
                if let full {
                    row.update(from: full + id * columns, count: columns)
                } else if let half {
                    for c in 0..<columns { row[c] = Float(half[id * columns + c]) }
                } else if let brain {
                    for c in 0..<columns { row[c] = Float(brain[id * columns + c]) }
                }
            }
        }
    }

    public func embeddingBackward(ids: DeviceBuffer, outputGradient dOut: DeviceBuffer, vocabulary: Int, columns: Int,
                                  into dTable: DeviceBuffer) throws {
        try TransformerContract.embeddingBackward(ids: ids, dOut: dOut, dTable: dTable, vocabulary: vocabulary, columns: columns, on: self)
        let pid = UnsafePointer(memory(ids).pointer.assumingMemoryBound(to: Int32.self))
        let pdo = UnsafePointer(floats(dOut)), pdt = floats(dTable)
        let count = ids.count
        ParallelLoop.chunks(columns, minimumChunk: 64) { columnRange in
            for n in 0..<count {
                let id = Int(pid[n])
                guard id >= 0, id < vocabulary else { continue }
                for c in columnRange { pdt[id * columns + c] += pdo[n * columns + c] }
            }
        }
    }
}
