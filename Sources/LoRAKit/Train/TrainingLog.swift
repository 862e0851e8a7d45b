import Foundation

/// Per-step metrics of a run, written as metrics.csv and a loss-curve SVG.
public struct TrainingLog: Sendable {
    public struct Row: Sendable {
        public var step: Int
        public var loss: Double
        public var learningRate: Float
        public var gradientNorm: Double
        public var tokensPerSecond: Double
        public var heldOutLoss: Double?

        public init(step: Int, loss: Double, learningRate: Float, gradientNorm: Double, tokensPerSecond: Double, heldOutLoss: Double?) {
            self.step = step
            self.loss = loss
            self.learningRate = learningRate
            self.gradientNorm = gradientNorm
            self.tokensPerSecond = tokensPerSecond
            self.heldOutLoss = heldOutLoss
        }
    }

    public private(set) var rows: [Row] = []
    /// The held-out loss measured before the first step (metrics.csv's step-0 row).
    public var heldOutBeforeTraining: Double?

    public init() {}

    /// The rows of an earlier metrics.csv up to step `last` (for a resumed run).
    public init(csv: String, through last: Int) {
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if fields.count == 6, fields[0] == "0" { heldOutBeforeTraining = Double(fields[5]) }
            guard fields.count == 6, let step = Int(fields[0]), step <= last, let loss = Double(fields[1]),
                  let rate = Float(fields[2]), let norm = Double(fields[3]), let speed = Double(fields[4]) else { continue }
            rows.append(Row(step: step, loss: loss, learningRate: rate, gradientNorm: norm, tokensPerSecond: speed, heldOutLoss: Double(fields[5])))
        }
    }

    public mutating func append(_ row: Row) { rows.append(row) }

    public var csv: String {
        var text = "step,loss,learning_rate,grad_norm,tokens_per_s,eval_loss\n"
        if let heldOutBeforeTraining { text += "0,,,,,\(heldOutBeforeTraining)\n" }
        for row in rows {
            text += "\(row.step),\(row.loss),\(row.learningRate),\(row.gradientNorm),\(String(format: "%.1f", row.tokensPerSecond)),\(row.heldOutLoss.map { "\($0)" } ?? "")\n"
        }
        return text
    }

    /// The loss curves as a self-contained SVG (`LossPlot`): labelled axes with ticks, a legend,
    /// and the held-out curve from its evaluation before training.
    public var svg: String {
        var heldOut = rows.compactMap { row in row.heldOutLoss.map { (step: row.step, loss: $0) } }
        if let heldOutBeforeTraining { heldOut.insert((step: 0, loss: heldOutBeforeTraining), at: 0) }
        return LossPlot(training: rows.map { (step: $0.step, loss: $0.loss) }, heldOut: heldOut).svg
    }

    /// Writes metrics.csv and loss.svg into `folder` (atomically each).
    public func write(to folder: URL) throws {
        try Data(csv.utf8).write(to: folder.appendingPathComponent("metrics.csv"), options: .atomic)
        try Data(svg.utf8).write(to: folder.appendingPathComponent("loss.svg"), options: .atomic)
    }
}
