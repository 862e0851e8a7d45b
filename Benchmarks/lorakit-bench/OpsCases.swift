import Foundation
import LoRAKit

/// One op of `lorakit-bench ops`: its inputs already on the device, `run` enqueues it once.
struct OpsCase {
    var op: String
    var size: String
    var m: Int
    var n: Int
    var k: Int
    /// The least the op must read and write.
    var bytes: Int
    var run: () throws -> Void
}

/// The ops measured, with pseudo-random inputs (the values do not change the work done).
enum OpsCases {
    static func all(_ s: OpsShape, on device: any Device) throws -> [OpsCase] {
        try normCases(s, on: device) + attentionCases(s, on: device) + embeddingCases(s, on: device) + loraCases(s, on: device)
            + [adamW(s, on: device)]
    }

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(($0 &* 7919 &+ seed &* 104_729) % 2001) / 1000 - 1 }
    }

    static func buffer(_ count: Int, seed: Int, on device: any Device) throws -> DeviceBuffer {
        try device.makeBuffer(values(count, seed: seed), label: "ops \(seed)")
    }

    static func normCases(_ s: OpsShape, on device: any Device) throws -> [OpsCase] {
        let (rows, columns) = (s.tokens, s.hidden)
        let x = try buffer(rows * columns, seed: 1, on: device), dy = try buffer(rows * columns, seed: 2, on: device)
        let w = try buffer(columns, seed: 3, on: device), y = try buffer(rows * columns, seed: 4, on: device)
        let rstd = try device.makeBuffer(.float32, count: rows, label: "rstd"), dw = try buffer(columns, seed: 5, on: device)
        try device.rmsNorm(x, weight: w, epsilon: 1e-5, rows: rows, columns: columns, into: y, rstd: rstd)
        let gate = try buffer(s.tokens * s.intermediate, seed: 6, on: device), up = try buffer(s.tokens * s.intermediate, seed: 7, on: device)
        let out = try device.makeBuffer(.float32, count: gate.count, label: "swiglu out")
        let size = "\(rows)×\(columns)"
        return [
            OpsCase(op: "rmsnorm", size: size, m: rows, n: columns, k: 0, bytes: (2 * rows * columns + columns + rows) * 4) {
                try device.rmsNorm(x, weight: w, epsilon: 1e-5, rows: rows, columns: columns, into: y, rstd: rstd)
            },
            OpsCase(op: "rmsnorm_backward", size: size, m: rows, n: columns, k: 0, bytes: (3 * rows * columns + columns + rows) * 4) {
                try device.rmsNormBackward(dy, x: x, weight: w, rstd: rstd, rows: rows, columns: columns, into: y, update: .overwrite)
            },
            OpsCase(op: "rmsnorm_weight_gradient", size: size, m: rows, n: columns, k: 0, bytes: (2 * rows * columns + columns + rows) * 4) {
                try device.rmsNormWeightGradient(dy, x: x, rstd: rstd, rows: rows, columns: columns, into: dw, update: .accumulate)
            },
            OpsCase(op: "swiglu", size: "\(s.tokens)×\(s.intermediate)", m: s.tokens, n: s.intermediate, k: 0, bytes: 3 * gate.byteCount) {
                try device.swiglu(gate: gate, up: up, into: out)
            },
        ]
    }

    static func attentionCases(_ s: OpsShape, on device: any Device) throws -> [OpsCase] {
        let groups = s.batch * s.heads, length = s.sequence
        let scores = try buffer(groups * length * length, seed: 8, on: device)
        let probabilities = try device.makeBuffer(.float32, count: scores.count, label: "P")
        let q = try buffer(s.tokens * s.hidden, seed: 9, on: device)
        let logits = try buffer(s.tokens * s.vocabulary, seed: 10, on: device)
        let labels = try device.makeBuffer((0..<s.tokens).map { Int32(($0 * 31) % s.vocabulary) }, label: "labels")
        let losses = try device.makeBuffer(.float32, count: s.tokens, label: "losses")
        let gradient = try device.makeBuffer(.float32, count: logits.count, label: "dlogits")
        let scale = 1 / Float(s.headDimension).squareRoot()
        return [
            OpsCase(op: "causal_softmax", size: "\(groups)×\(length)×\(length)", m: groups, n: length, k: length,
                    bytes: 2 * scores.byteCount) {
                try device.causalSoftmax(scores, groups: groups, length: length, scale: scale, into: probabilities)
            },
            OpsCase(op: "rope", size: "\(s.tokens)×\(s.heads)×\(s.headDimension)", m: s.tokens, n: s.heads, k: s.headDimension,
                    bytes: 2 * q.byteCount) {
                try device.rope(q, rows: s.tokens, heads: s.heads, headDimension: s.headDimension, sequenceLength: s.sequence,
                                theta: 10000, inverse: false)
            },
            OpsCase(op: "cross_entropy", size: "\(s.tokens)×\(s.vocabulary)", m: s.tokens, n: s.vocabulary, k: 0,
                    bytes: 2 * logits.byteCount) {
                try device.crossEntropy(logits: logits, labels: labels, rows: s.tokens, vocabulary: s.vocabulary, gradientScale: 1,
                                        losses: losses, logitsGradient: gradient)
            },
        ]
    }

    /// Token ids skewed as text is (a few ids frequent, most rare): u³ of a uniform u.
    static func embeddingCases(_ s: OpsShape, on device: any Device) throws -> [OpsCase] {
        let ids = try device.makeBuffer((0..<s.tokens).map { n -> Int32 in
            let u = Double((n &* 2_654_435_761) % 1_000_003) / 1_000_003
            return Int32(Double(s.vocabulary) * u * u * u)
        }, label: "ids")
        let dOut = try buffer(s.tokens * s.hidden, seed: 11, on: device)
        let dTable = try device.makeBuffer(.float32, count: s.vocabulary * s.hidden, label: "dTable")
        return [
            OpsCase(op: "embedding_backward", size: "\(s.tokens) of \(s.vocabulary)×\(s.hidden)", m: s.tokens, n: s.hidden,
                    k: s.vocabulary, bytes: (3 * s.tokens * s.hidden + s.tokens) * 4) {
                try device.embeddingBackward(ids: ids, outputGradient: dOut, vocabulary: s.vocabulary, columns: s.hidden, into: dTable)
            },
        ]
    }

    /// Y = s·T·Bᵀ for the widest projection (gate/up: intermediate outputs).
    static func loraCases(_ s: OpsShape, on device: any Device) throws -> [OpsCase] {
        let (rows, outFeatures, rank) = (s.tokens, s.intermediate, s.rank)
        let t = try buffer(rows * rank, seed: 12, on: device), b = try buffer(outFeatures * rank, seed: 13, on: device)
        let y = try device.makeBuffer(.float32, count: rows * outFeatures, label: "Y")
        let x = try buffer(rows * s.hidden, seed: 14, on: device), dropped = try device.makeBuffer(.float32, count: x.count, label: "drop")
        return [
            OpsCase(op: "lora_expand", size: "\(rows)×\(outFeatures) r=\(rank)", m: rows, n: outFeatures, k: rank,
                    bytes: (rows * rank + outFeatures * rank + rows * outFeatures) * 4) {
                try device.loraExpand(t: t, b: b, bias: nil, scale: 2, rows: rows, outFeatures: outFeatures, rank: rank, into: y)
            },
            OpsCase(op: "lora_dropout", size: "\(rows)×\(s.hidden)", m: rows, n: s.hidden, k: 0, bytes: 2 * x.byteCount) {
                try device.dropout(x, into: dropped, probability: 0.05, key: DropoutKey(seed: 1, stream: 2, step: 3))
            },
        ]
    }

    /// One AdamW step over a layer's MLP (3·hidden·intermediate parameters).
    static func adamW(_ s: OpsShape, on device: any Device) throws -> OpsCase {
        let count = 3 * s.hidden * s.intermediate
        let p = try buffer(count, seed: 15, on: device), g = try buffer(count, seed: 16, on: device)
        let m = try device.makeBuffer(.float32, count: count, label: "m"), v = try device.makeBuffer(.float32, count: count, label: "v")
        let step = AdamWStep(learningRate: 1e-4, weightDecay: 0.01, step: 1)
        return OpsCase(op: "adamw", size: "\(count)", m: count, n: 0, k: 0, bytes: 7 * count * 4) {
            try device.adamW(parameters: p, gradients: g, firstMoment: m, secondMoment: v, step: step)
        }
    }
}
