import Foundation
import LoRAKit
import Testing

/// The built-in shapes against the published models: parameter counts equal the totals of the
/// published checkpoints (what their safetensors hold), and the plan places their tensors as
/// `LlamaModel` would.
@Suite("Built-in model shapes")
struct ModelShapeTests {
    /// Every tensor's elements of the published checkpoint (Hugging Face's safetensors totals:
    /// 8.03 B, 6.74 B, 7.24 B, 7.62 B, 1.24 B and 70.6 B).
    static let published: [(name: String, parameters: Int)] = [
        ("llama-3-8b", 8_030_261_248), ("llama-2-7b", 6_738_415_616), ("mistral-7b", 7_241_732_096),
        ("qwen2.5-7b", 7_615_616_512), ("llama-3.2-1b", 1_235_814_400), ("llama-3-70b", 70_553_706_496),
    ]

    @Test("parameter counts match the published totals", arguments: published)
    func parameterCounts(shape: (name: String, parameters: Int)) throws {
        #expect(try ModelShape.named(shape.name).config.parameterCount == shape.parameters)
    }

    @Test("the shapes' particulars: GQA, Qwen2's q/k/v biases, Llama 3.2's tied head and RoPE scaling, the stored dtypes")
    func particulars() throws {
        let llama3 = try ModelShape.named("llama-3-8b").config
        #expect((llama3.attentionHeads, llama3.keyValueHeads, llama3.headDimension, llama3.tieWordEmbeddings) == (32, 8, 128, false))
        let qwen = try ModelShape.named("qwen2.5-7b").config
        #expect(qwen.modelType == "qwen2" && qwen.attentionBias && qwen.headDimension == 128)
        let small = try ModelShape.named("llama-3.2-1b").config
        #expect(small.tieWordEmbeddings && small.headDimension == 64 && small.llama3RopeScaling?.factor == 32)
        #expect(try ModelShape.named("llama-2-7b").storedDType == .f16)
        #expect(try ModelShape.named("mistral-7b").storedDType == .bf16)
    }

    @Test("the bundled shape is Bundled/kjv-llama-3m's")
    func bundledShape() throws {
        let bundled = try ModelConfig.load(from: Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Bundled/kjv-llama-3m"))
        let shape = try ModelShape.named("bundled").config
        #expect(shape.expectedTensors.map(\.shape) == bundled.expectedTensors.map(\.shape))
        #expect(shape.parameterCount == bundled.parameterCount)
    }

    @Test("an unknown shape is an error listing the shapes")
    func unknownShape() {
        #expect { try ModelShape.named("llama-4") } throws: {
            "\($0)".hasPrefix("--shape: no built-in shape is called 'llama-4'; the shapes are llama-3-8b, llama-2-7b,")
        }
    }

    @Test("Llama-3-8B QLoRA: NF4 blocks at 4.127 bits per parameter, BF16 embedding and head as stored, an I×H scratch")
    func llama3Placement() throws {
        let shape = try ModelShape.named("llama-3-8b")
        let lora = LoRAConfig(rank: 16, alpha: 32, dropout: 0.05, targetModules: ModelConfig.linearModules)
        let plan = try MemoryPlan(config: shape.config, storedDType: shape.storedDType,
                                  settings: .init(sequenceLength: 2048, batch: 1, training: .lora(lora), quantizeToNF4: true))
        let blockParameters = 32 * (2 * 4096 * 4096 + 2 * 1024 * 4096 + 3 * 14336 * 4096)
        let bits = Double(plan.parts[.baseBlocks]!) * 8 / Double(blockParameters)
        #expect(bits > 4.12 && bits < 4.135, "\(bits) bits per NF4 parameter")
        #expect(plan.parts[.baseEmbedding] == 128256 * 4096 * 2 && plan.parts[.baseLMHead] == 128256 * 4096 * 2)
        // The largest NF4 matrix; the BF16 head widens 4096 rows (64 MiB) at a time, less.
        #expect(plan.parts[.dequantizationScratch] == 14336 * 4096 * 4)
        #expect(plan.trainableParameters == 32 * 16 * (2 * (4096 + 4096) + 2 * (4096 + 1024) + 3 * (4096 + 14336)))
        #expect(plan.parts[.loraParameters] == plan.trainableParameters * 4 && plan.parts[.adamWMoments] == plan.trainableParameters * 8)
        #expect(plan.checkpointing && plan.parts[.blockInputs] == 33 * 2048 * 4096 * 4)
        #expect(plan.parts.values.reduce(0, +) == plan.totalBytes)
    }
}
