import Foundation

/// The loss curves of a run as a self-contained SVG: training loss per step and held-out loss
/// where it was measured (from step 0, before training), on labelled axes with ticks.
struct LossPlot {
    var training: [(step: Int, loss: Double)]
    var heldOut: [(step: Int, loss: Double)]

    static let (width, height) = (720.0, 420.0)
    static let (left, right, top, bottom) = (72.0, 24.0, 40.0, 56.0)
    static let colors = (training: "#1f77b4", heldOut: "#ff7f0e")

    var svg: String {
        let losses = training.map(\.loss) + heldOut.map(\.loss)
        let lastStep = (training.map(\.step) + heldOut.map(\.step)).max() ?? 0
        guard let low = losses.min(), let high = losses.max(), lastStep > 0 else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\"/>\n"
        }
        let xAxis = Axis(low: 0, high: Double(lastStep), integer: true)
        let margin = max(high - low, 1e-3) * 0.05
        let yAxis = Axis(low: low - margin, high: high + margin, integer: false)
        var parts = ["<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"]
        parts += ticks(xAxis, yAxis)
        parts.append(polyline(training.map { (Double($0.step), $0.loss) }, Self.colors.training, xAxis, yAxis))
        parts.append(polyline(heldOut.map { (Double($0.step), $0.loss) }, Self.colors.heldOut, xAxis, yAxis))
        parts += legend()
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + parts.joined(separator: "\n") + "\n</svg>\n"
    }

    static func x(_ value: Double, _ axis: Axis) -> Double { left + (width - left - right) * axis.fraction(value) }
    static func y(_ value: Double, _ axis: Axis) -> Double { height - bottom - (height - top - bottom) * axis.fraction(value) }

    /// Axes, tick marks with their values, grid lines and the axis titles.
    private func ticks(_ xAxis: Axis, _ yAxis: Axis) -> [String] {
        let (x0, y0, x1, y1) = (Self.left, Self.height - Self.bottom, Self.width - Self.right, Self.top)
        var parts = ["<line x1=\"\(x0)\" y1=\"\(y0)\" x2=\"\(x1)\" y2=\"\(y0)\" stroke=\"black\"/>",
                     "<line x1=\"\(x0)\" y1=\"\(y0)\" x2=\"\(x0)\" y2=\"\(y1)\" stroke=\"black\"/>"]
        for value in xAxis.ticks {
            let x = Self.x(value, xAxis)
            parts.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>", x, y0, x, y0 + 5))
            parts.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", x, y0 + 18, xAxis.label(value)))
        }
        for value in yAxis.ticks {
            let y = Self.y(value, yAxis)
            parts.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>", x0, y, x1, y))
            parts.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>", x0 - 5, y, x0, y))
            parts.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>", x0 - 8, y + 4, yAxis.label(value)))
        }
        parts.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">step</text>", (x0 + x1) / 2, Self.height - 14))
        parts.append(String(format: "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">loss (nats per token)</text>", (y0 + y1) / 2))
        return parts
    }

    private func polyline(_ points: [(Double, Double)], _ color: String, _ xAxis: Axis, _ yAxis: Axis) -> String {
        let coordinates = points.map { String(format: "%.1f,%.1f", Self.x($0.0, xAxis), Self.y($0.1, yAxis)) }.joined(separator: " ")
        let dots = points.count == 1 ? String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>",
                                              Self.x(points[0].0, xAxis), Self.y(points[0].1, yAxis), color) : ""
        return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coordinates)\"/>" + dots
    }

    private func legend() -> [String] {
        let x = Self.width - Self.right - 150, y = Self.top - 22
        return [(Self.colors.training, "training loss"), (Self.colors.heldOut, "held-out loss")].enumerated().map { index, entry in
            let top = y + Double(index) * 16
            return String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"/>", x, top, x + 24, top, entry.0)
                + String(format: "<text x=\"%.1f\" y=\"%.1f\">%@</text>", x + 30, top + 4, entry.1)
        }
    }

    /// A linear axis with 4–8 ticks at 1, 2 or 5 × 10ⁿ.
    struct Axis {
        let low: Double, high: Double, step: Double

        init(low: Double, high: Double, integer: Bool) {
            let span = max(high - low, 1e-12)
            let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
            var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
            if integer { step = max(1, step.rounded()) }
            (self.low, self.high, self.step) = (low, high, step)
        }

        func fraction(_ value: Double) -> Double { (value - low) / max(high - low, 1e-12) }

        var ticks: [Double] {
            stride(from: (low / step).rounded(.up) * step, through: high + step * 1e-9, by: step).map { $0 }
        }

        func label(_ value: Double) -> String {
            let decimals = max(0, Int(-floor(log10(step))))
            return String(format: "%.\(decimals)f", value)
        }
    }
}
