import Foundation
import LoRAKit

/// How `lorakit plan` prints a plan: a table of the parts at the peak with the total and the
/// capacity, or one JSON object.
struct PlanReport {
    let plan: MemoryPlan
    let capacity: MemoryCapacity
    let model: String
    /// How the model's matrices are stored ("stored bf16 as meta-llama/Meta-Llama-3-8B is").
    let dtypeNote: String

    private var spare: Int { capacity.bytes - plan.totalBytes }

    /// One line naming the model, what is trained and the batch.
    private var title: String {
        let settings = plan.settings
        let training: String
        switch settings.training {
        case .full: training = "full-parameter training"
        case .lora(let lora):
            training = "LoRA r=\(lora.rank) on \(lora.targetModules.joined(separator: ",")) over \(plan.storage[.baseBlocks] ?? "") blocks"
        }
        return "\(model): \(String(format: "%.2f", Double(plan.config.parameterCount) / 1e9)) B parameters, \(dtypeNote); \(training) "
            + "(\(String(format: "%.1f", Double(plan.trainableParameters) / 1e6)) M trained); \(settings.sequenceLength) tokens × \(settings.batch) "
            + "sequence\(settings.batch == 1 ? "" : "s"); gradient checkpointing \(plan.checkpointing ? "on" : "off")"
    }

    /// What a part holds, for the table's last column.
    private func note(_ part: MemoryPart) -> String {
        let config = plan.config
        switch part {
        case .baseBlocks, .baseEmbedding, .baseLMHead: return plan.storage[part] ?? ""
        case .baseOther: return "float32"
        case .dequantizationScratch: return "float32, the largest NF4 or GGUF weight"
        case .loraParameters: return "float32, \(plan.trainableParameters) values"
        case .gradients: return "float32, one per trained value"
        case .adamWMoments: return "float32, two per trained value"
        case .blockInputs: return "the hidden state entering each of \(config.layerCount) blocks and leaving the last (what checkpointing keeps)"
        case .blockActivations: return plan.checkpointing ? "the block being recomputed" : "every block's, kept for backward"
        case .attentionProbabilities: return "batch·heads·T² floats: each kept block's P, and dP/dS in backward"
        case .blockBackward: return "gradients inside the block being backpropagated"
        case .lmHeadBlock: return "logits of at most 256 positions × \(config.vocabularySize)"
        case .lossBuffers: return "token ids, final norm, its gradient, losses"
        case .transients: return "widened float16 weights, NF4 absmax, LoRA dropout copies, dT"
        }
    }

    var text: String {
        var table = TextTable(header: ["part", "size", "what"], rightAligned: [1])
        for (part, bytes) in plan.parts.sorted(by: { $0.key < $1.key }) {
            table.append([part.title, ByteCount.format(bytes), note(part)])
        }
        table.append(["total at the peak", ByteCount.format(plan.totalBytes), plan.peakPhase.title])
        let verdict = plan.fits(capacity)
            ? "fits, \(ByteCount.format(spare)) to spare"
            : (plan.totalBytes > capacity.bytes ? "does NOT fit: \(ByteCount.format(-spare)) short"
                                                : "does NOT fit: a \(ByteCount.format(plan.largestBufferBytes)) buffer exceeds the largest single allocation, \(ByteCount.format(capacity.maxAllocationBytes ?? 0))")
        let phases = PlanPhase.allCases.compactMap { phase in plan.phasePeaks[phase].map { "\(phase.title) \(ByteCount.format($0))" } }
        return [title, "", table.rendered, "",
                "capacity: \(ByteCount.format(capacity.bytes)) (\(capacity.source)): \(verdict)",
                "peak of each phase: " + phases.joined(separator: " · "),
                "largest buffer: \(ByteCount.format(plan.largestBufferBytes)); the buffer pool may also keep up to "
                    + "\(ByteCount.format(capacity.poolIdleLimitBytes)) of freed buffers idle (not counted as in use; handed back when an allocation fails)"]
            .joined(separator: "\n")
    }

    var json: String {
        let settings = plan.settings
        var object: [String: Any] = [
            "model": model, "seq_len": settings.sequenceLength, "batch": settings.batch, "checkpointing": plan.checkpointing,
            "total_bytes": plan.totalBytes, "resident_bytes": plan.residentBytes, "largest_buffer_bytes": plan.largestBufferBytes,
            "parts": Dictionary(uniqueKeysWithValues: MemoryPart.allCases.map { ($0.rawValue, plan.parts[$0] ?? 0) }),
            "peak_phase": plan.peakPhase.rawValue,
            "phase_peaks": Dictionary(uniqueKeysWithValues: plan.phasePeaks.map { ($0.key.rawValue, $0.value) }),
            "capacity_bytes": capacity.bytes, "capacity_source": capacity.source, "fits": plan.fits(capacity),
            "pool_idle_limit_bytes": capacity.poolIdleLimitBytes, "parameters": plan.config.parameterCount,
            "trainable_parameters": plan.trainableParameters, "quantize": settings.quantizeToNF4 ? "nf4" : NSNull(),
        ]
        if let limit = capacity.maxAllocationBytes { object["max_allocation_bytes"] = limit }
        switch settings.training {
        case .full: object["training"] = "full"
        case .lora(let lora): (object["training"], object["r"], object["targets"]) = ("lora", lora.rank, lora.targetModules)
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])   // only strings, numbers, bools
        return String(decoding: data, as: UTF8.self)
    }
}
