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
        /// The step's loss or gradient was not finite and its update was skipped.
        public var skipped: Bool

        public init(step: Int, loss: Double, learningRate: Float, gradientNorm: Double, tokensPerSecond: Double, heldOutLoss: Double?,
                    skipped: Bool = false) {
            self.skipped = skipped
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
            // Six fields before the skipped column existed, seven since.
            guard fields.count == 6 || fields.count == 7 else { continue }
            if fields[0] == "0" { heldOutBeforeTraining = Double(fields[5]) }
            guard let step = Int(fields[0]), step <= last, let loss = Double(fields[1]),
                  let rate = Float(fields[2]), let norm = Double(fields[3]), let speed = Double(fields[4]) else { continue }
            rows.append(Row(step: step, loss: loss, learningRate: rate, gradientNorm: norm, tokensPerSecond: speed, heldOutLoss: Double(fields[5]),
                            skipped: fields.count == 7 && fields[6] == "1"))
        }
    }

    public mutating func append(_ row: Row) { rows.append(row) }

    public var csv: String {
        var text = "step,loss,learning_rate,grad_norm,tokens_per_s,eval_loss,skipped\n"
        if let heldOutBeforeTraining { text += "0,,,,,\(heldOutBeforeTraining),\n" }
        for row in rows {
            text += "\(row.step),\(row.loss),\(row.learningRate),\(row.gradientNorm),\(String(format: "%.1f", row.tokensPerSecond)),"
                + "\(row.heldOutLoss.map { "\($0)" } ?? ""),\(row.skipped ? 1 : 0)\n"
        }
        return text
    }

    /// The loss curves as a self-contained SVG (`LossPlot`): labelled axes with ticks, a legend,
    /// and the held-out curve from its evaluation before training.
    public var svg: String {
        // Skipped (non-finite) steps have no point to draw.
        var heldOut = rows.compactMap { row in row.heldOutLoss.map { (step: row.step, loss: $0) } }.filter { $0.loss.isFinite }
        if let heldOutBeforeTraining, heldOutBeforeTraining.isFinite { heldOut.insert((step: 0, loss: heldOutBeforeTraining), at: 0) }
        return LossPlot(training: rows.filter { $0.loss.isFinite }.map { (step: $0.step, loss: $0.loss) }, heldOut: heldOut).svg
    }

    /// Writes metrics.csv and loss.svg into `folder` (atomically each).
    public func write(to folder: URL) throws {
        try Data(csv.utf8).write(to: folder.appendingPathComponent("metrics.csv"), options: .atomic)
        try Data(svg.utf8).write(to: folder.appendingPathComponent("loss.svg"), options: .atomic)
    }
}
