import Foundation
import LoRAKit

/// One step's summing over the ranks: all of it (token count, gradients, loss), and the gradients' part.
struct StepCommunication {
    let total: Double
    let gradients: ReductionReport
}

extension TrainCommand {
    /// train's closing line under mpirun: the seconds rank 0 spent summing; of the gradients'
    /// share, the time blocked waiting for sums (what overlapping did not hide) and the time after
    /// the backward pass; and how many buckets a test found summed while the backward pass ran.
    static func communicationSummary(_ steps: [StepCommunication], of run: Double) -> String {
        let total = steps.reduce(0) { $0 + $1.total }
        let gradients = steps.reduce(0) { $0 + $1.gradients.seconds }
        let after = steps.reduce(0) { $0 + $1.gradients.secondsAfterBackward }, waiting = steps.reduce(0) { $0 + $1.gradients.waitSeconds }
        let early = steps.reduce(0) { $0 + $1.gradients.finishedUnderBackward }, buckets = steps.reduce(0) { $0 + $1.gradients.buckets }
        return String(format: "rank 0 spent %.3f s summing over the ranks (%.1f%% of the run); gradients %.3f s: %.3f s waiting for "
                      + "sums, %.3f s after the backward pass; %d of %d buckets finished under the backward pass",
                      total, 100 * total / max(run, 1e-9), gradients, waiting, after, early, buckets)
    }
}
