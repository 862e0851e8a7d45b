import Foundation

/// Sums every trainable gradient over the ranks: device → one host buffer → MPI_Allreduce →
/// device. One call for all parameters, since on a small adapter the latency of a call per tensor
/// would dominate. Each rank's gradients already carry 1 / (the step's global token count), so
/// the sum is the whole batch's gradient.
struct GradientAllReduce {
    let parameters: [TrainableParameter]
    let communicator: any Communicator

    /// Floats all-reduced per step.
    var floatCount: Int { parameters.reduce(0) { $0 + $1.gradient.count } }

    /// Returns the seconds spent, copies included.
    func run() throws -> Double {
        guard communicator.size > 1 else { return 0 }
        let started = Date()
        var flat: [Float] = []
        flat.reserveCapacity(floatCount)
        for parameter in parameters { flat += try parameter.gradient.download(as: Float.self) }
        try communicator.allReduceSum(&flat)
        var offset = 0
        for parameter in parameters {
            try parameter.gradient.upload(Array(flat[offset..<(offset + parameter.gradient.count)]))
            offset += parameter.gradient.count
        }
        return Date().timeIntervalSince(started)
    }
}
