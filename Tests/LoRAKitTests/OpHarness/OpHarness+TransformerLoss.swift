import Foundation
import LoRAKit

extension OpHarness {
    /// dims: rows, vocabulary. Labels drawn in [0, V) with about a fifth −100 (ignored: loss 0,
    /// gradient 0); one variant has labels −1 and V, outside the vocabulary (loss NaN, gradient 0).
    /// Without a gradient, the logits are returned as "logitsGradient" and must be unchanged.
    /// Bounds: the loss is a log of a sum of V exponentials, 2(V + 16)·u absolute plus 4·u of the
    /// terms it adds; the gradient's softmax (V + 16)·u relative, twice for p − 1 at the label.
    static let crossEntropy = OpHarnessEntry(
        .crossEntropy,
        shapes: [OpShape(7, 259, variant: "gradient in place"), OpShape(33, 65, variant: "no gradient, labels out of range"),
                 OpShape(64, 128, variant: "gradient")],
        tolerances: ["losses": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1)),
                     "logitsGradient": OutputTolerance(host: .referenceBound(factor: 2), reference: .referenceBound(factor: 1))],
        generate: { shape, random -> (logits: [Float], labels: [Int32], scale: Float) in
            let (rows, v) = (shape[0], shape[1])
            var labels = (0..<rows).map { _ in random.unit() < 0.2 ? Int32(-100) : Int32(random.integer(0..<v)) }
            labels[0] = 0
            labels[rows - 1] = Int32(v - 1)
            if shape.variant.contains("out of range") { (labels[1], labels[2]) = (-1, Int32(v)) }
            return (random.floats(rows * v, in: -6...6), labels, 1 / Float(max(1, labels.filter { $0 != -100 }.count)))
        },
        run: { device, shape, inputs in
            let logits = try device.makeBuffer(inputs.logits, label: "logits")
            let losses = try device.makeBuffer([Float](repeating: -1, count: shape[0]), label: "losses")
            let gradient: DeviceBuffer? = switch shape.variant {
            case "gradient in place": logits
            case "gradient": try device.makeBuffer([Float](repeating: .nan, count: inputs.logits.count), label: "dlogits")
            default: nil
            }
            try device.crossEntropy(logits: logits, labels: device.makeBuffer(inputs.labels, label: "labels"), rows: shape[0],
                                    vocabulary: shape[1], gradientScale: inputs.scale, losses: losses, logitsGradient: gradient)
            return try downloadOutputs(["losses": losses, "logitsGradient": gradient ?? logits])
        },
        reference: { shape, inputs in crossEntropyReference(shape, inputs.logits, inputs.labels, scale: inputs.scale) })

    private static func crossEntropyReference(_ shape: OpShape, _ logits: [Float], _ labels: [Int32], scale: Float) -> [String: ReferenceOutput] {
        let (rows, v) = (shape[0], shape[1]), withGradient = !shape.variant.hasPrefix("no gradient")
        var losses: [Double] = [], lossBound: [Double] = []
        var gradient = withGradient ? [Double](repeating: 0, count: rows * v) : logits.map(Double.init)
        var gradientBound = [Double](repeating: 0, count: rows * v)
        for row in 0..<rows {
            let z = logits[(row * v)..<((row + 1) * v)].map(Double.init), label = Int(labels[row])
            guard (0..<v).contains(label) else {
                losses.append(label == -100 ? 0 : .nan)
                lossBound.append(0)
                continue
            }
            let largest = z.max()!, sum = z.reduce(0) { $0 + exp($1 - largest) }
            losses.append(log(sum) + largest - z[label])
            lossBound.append(2 * Double(v + 16) * u + 4 * u * (abs(log(sum)) + abs(largest) + abs(z[label])))
            guard withGradient else { continue }
            for j in 0..<v {
                let p = exp(z[j] - largest) / sum, onehot: Double = j == label ? 1 : 0
                gradient[row * v + j] = (p - onehot) * Double(scale)
                gradientBound[row * v + j] = 2 * Double(v + 16) * u * Double(scale) * (p + onehot)
            }
        }
        return ["losses": ReferenceOutput(losses, bound: lossBound), "logitsGradient": ReferenceOutput(gradient, bound: gradientBound)]
    }
}
