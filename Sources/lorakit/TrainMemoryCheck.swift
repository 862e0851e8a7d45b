import Foundation
import LoRAKit

extension TrainCommand {
    /// Plans the run's device memory from the checkpoint's headers, before anything is loaded,
    /// and refuses a run whose plan does not fit the device (or `LORAKIT_MEMORY_LIMIT`) unless
    /// --skip-memory-check is given.
    func memoryPlan(checkpoint: ModelCheckpoint, lora: LoRAConfig, device target: any Device) throws -> MemoryPlan {
        let settings = MemoryPlan.Settings(sequenceLength: seqLen, batch: batch, training: full ? .full : .lora(lora),
                                           quantizeToNF4: quantization.toNF4, packing: packing,
                                           fusedAttention: MemoryPlan.Settings.fusedAttention(on: target.info))
        let plan = try MemoryPlan(checkpoint: checkpoint, settings: settings)
        guard !skipMemoryCheck else { return plan }
        do {
            try plan.check(MemoryCapacity.of(target.info))
        } catch MemoryPlanError.doesNotFit(let shortfall) {
            throw MemoryRefusal(shortfall: shortfall)
        }
        return plan
    }
}

/// The refusal `train` prints: the plan's figures and what to change, then where to look further.
struct MemoryRefusal: Error, CustomStringConvertible {
    let shortfall: MemoryShortfall

    var description: String {
        "\(shortfall). `lorakit plan` with the same flags shows every part; --skip-memory-check trains anyway."
    }
}
