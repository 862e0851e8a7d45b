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

    public init() {}

    /// The rows of an earlier metrics.csv up to step `last` (for a resumed run).
    public init(csv: String, through last: Int) {
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, let step = Int(fields[0]), step <= last, let loss = Double(fields[1]),
                  let rate = Float(fields[2]), let norm = Double(fields[3]), let speed = Double(fields[4]) else { continue }
            rows.append(Row(step: step, loss: loss, learningRate: rate, gradientNorm: norm, tokensPerSecond: speed, heldOutLoss: Double(fields[5])))
        }
    }

    public mutating func append(_ row: Row) { rows.append(row) }

    public var csv: String {
        var text = "step,loss,learning_rate,grad_norm,tokens_per_s,eval_loss\n"
        for row in rows {
            text += "\(row.step),\(row.loss),\(row.learningRate),\(row.gradientNorm),\(String(format: "%.1f", row.tokensPerSecond)),\(row.heldOutLoss.map { "\($0)" } ?? "")\n"
        }
        return text
    }

    /// A self-contained SVG: training loss per step (blue) and held-out loss where measured (orange).
    public var svg: String {
        let (width, height, margin) = (640.0, 360.0, 48.0)
        let losses = rows.map(\.loss) + rows.compactMap(\.heldOutLoss)
        guard let low = losses.min(), let high = losses.max(), let last = rows.last?.step, last > 0 else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\"/>\n"
        }
        let span = max(high - low, 1e-9)
        func x(_ step: Int) -> Double { margin + (width - 2 * margin) * Double(step) / Double(last) }
        func y(_ loss: Double) -> Double { height - margin - (height - 2 * margin) * (loss - low) / span }
        func polyline(_ points: [(Int, Double)], _ color: String) -> String {
            let coordinates = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coordinates)\"/>"
        }
        let training = polyline(rows.map { ($0.step, $0.loss) }, "#1f77b4")
        let heldOut = polyline(rows.compactMap { row in row.heldOutLoss.map { (row.step, $0) } }, "#ff7f0e")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="black"/>
            <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(height - margin)" stroke="black"/>
            <text x="\(margin)" y="\(margin - 8)">loss (training blue, held-out orange): \(String(format: "%.3f", high)) … \(String(format: "%.3f", low))</text>
            <text x="\(width - margin)" y="\(height - margin + 18)" text-anchor="end">step \(last)</text>
            \(training)
            \(heldOut)
            </svg>

            """
    }

    /// Writes metrics.csv and loss.svg into `folder` (atomically each).
    public func write(to folder: URL) throws {
        try Data(csv.utf8).write(to: folder.appendingPathComponent("metrics.csv"), options: .atomic)
        try Data(svg.utf8).write(to: folder.appendingPathComponent("loss.svg"), options: .atomic)
    }
}
