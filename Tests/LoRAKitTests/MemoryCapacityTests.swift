import Foundation
import LoRAKit
import Testing

/// Budgets (`--budget`), device capacities with `LORAKIT_MEMORY_LIMIT`, the fit check and the
/// refusal `lorakit train` prints, and the settings a plan refuses.
@Suite("Memory budgets and refusals")
struct MemoryCapacityTests {
    @Test("budgets in bytes, SI and binary units", arguments: [
        ("24GiB", 24 << 30), ("24GB", 24_000_000_000), ("512MiB", 512 << 20), ("25769803776", 25_769_803_776), (" 16 GiB ", 16 << 30),
        ("1KB", 1000), ("3B", 3),
    ])
    func budgets(text: String, bytes: Int) throws {
        #expect(try MemoryCapacity.budget(text).bytes == bytes)
    }

    @Test("a bad budget names what is wrong with it", arguments: [
        ("", "is empty"), ("abc", "does not start with a number"), ("-1GiB", "must be positive"), ("0", "must be positive"),
        ("1.5GiB", "must be a whole number (write 1536MiB for 1.5GiB)"), ("24XB", "unit 'XB' is not B, KB, MB, GB, TB"),
        ("24gib", "unit 'gib' is not"), ("99999999999999999999", "is too large"), ("9999999999TiB", "is too large"),
    ])
    func badBudgets(text: String, reason: String) {
        #expect { try MemoryCapacity.budget(text) } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("--budget '\(text)': \(reason)") && message.hasSuffix("e.g. 24GiB, 24GB, 512MiB, 25769803776")
        }
    }

    @Test("a device's capacity is its memory, or LORAKIT_MEMORY_LIMIT when lower")
    func deviceCapacity() throws {
        let host = try TestDevices.host.info
        #expect(try MemoryCapacity.of(host, environment: [:]).bytes == host.globalMemoryBytes)
        let limited = try MemoryCapacity.of(host, environment: [MemoryLimit.variable: "1GiB"])
        #expect(limited.bytes == 1 << 30 && limited.source.hasPrefix("the limit LORAKIT_MEMORY_LIMIT sets on host"))
        #expect(limited.poolIdleLimitBytes == host.globalMemoryBytes / 8)
        #expect(throws: DeviceError.self) { try MemoryCapacity.of(host, environment: [MemoryLimit.variable: "lots"]) }
    }

    static func qlora(_ shape: String, length: Int, batch: Int = 1, quantize: Bool = true) throws -> MemoryPlan {
        let builtIn = try ModelShape.named(shape)
        let lora = LoRAConfig(rank: 16, alpha: 32, dropout: 0.05, targetModules: ModelConfig.linearModules)
        return try MemoryPlan(config: builtIn.config, storedDType: builtIn.storedDType,
                              settings: .init(sequenceLength: length, batch: batch, training: .lora(lora), quantizeToNF4: quantize))
    }

    /// The refusal of `plan` against `capacity`.
    static func shortfall(_ plan: MemoryPlan, _ capacity: MemoryCapacity) throws -> MemoryShortfall? {
        do {
            try plan.check(capacity)
            return nil
        } catch MemoryPlanError.doesNotFit(let shortfall) {
            return shortfall
        }
    }

    @Test("a run that does not fit is refused with its total, the capacity, and changes that do fit")
    func refusalAdvice() throws {
        let plan = try Self.qlora("llama-3-8b", length: 4096, batch: 2)
        let budget = try MemoryCapacity.budget("12GiB")
        #expect(plan.fits(try .budget("100GiB")) && !plan.fits(budget))
        let shortfall = try #require(try Self.shortfall(plan, budget))
        let text = shortfall.description
        #expect(text.hasPrefix("the run needs \(ByteCount.format(plan.totalBytes)) of device memory at its peak (backward through the blocks), more than the 12.0 GiB of the budget; its largest parts: "))
        // Each advised change fits, and the next larger --seq-len would not.
        let length = try #require(text.firstMatch(of: /--seq-len (\d+) \(/).map { Int($0.1)! })
        #expect(try Self.qlora("llama-3-8b", length: length, batch: 2).fits(budget))
        #expect(try !Self.qlora("llama-3-8b", length: 2 * length, batch: 2).fits(budget))
        #expect(text.contains("or --batch 1 (\(ByteCount.format(try Self.qlora("llama-3-8b", length: 4096).totalBytes))"))
        #expect(!text.contains("--quantize"), "the base is NF4 already")
        let dense = try Self.qlora("llama-3-8b", length: 512, quantize: false)
        let dense16 = try #require(try Self.shortfall(dense, try .budget("16GiB")))
        #expect(dense16.description.contains("--quantize nf4 (\(ByteCount.format(try Self.qlora("llama-3-8b", length: 512).totalBytes)))"))
    }

    @Test("when nothing smaller fits, the refusal says what even the smallest run needs")
    func nothingFits() throws {
        let plan = try Self.qlora("llama-3-70b", length: 2048)
        let text = try #require(try Self.shortfall(plan, try .budget("24GiB"))).description
        #expect(text.contains(". No smaller run fits: even --seq-len 16 --batch 1 --quantize nf4 needs "))
        #expect(text.contains("of it for the weights, adapters and optimizer state"))
    }

    @Test("a buffer larger than the device's largest allocation does not fit either")
    func largestAllocation() throws {
        let plan = try Self.qlora("llama-3-8b", length: 1024)
        let capacity = MemoryCapacity(bytes: 64 << 30, maxAllocationBytes: plan.largestBufferBytes - 1, source: "a card")
        #expect(!plan.fits(capacity))
        let text = try #require(try Self.shortfall(plan, capacity)).description
        #expect(text.hasPrefix("the run's largest buffer (\(ByteCount.format(plan.largestBufferBytes))) is larger than the largest single allocation a card accepts"))
    }

    @Test("settings a run would refuse are refused by the plan, naming the flag", arguments: [
        (2_048_000, 1, 16, ["q_proj"], false, "--seq-len: 2048000 must be from 1 to 1048576"),
        (0, 1, 16, ["q_proj"], false, "--seq-len: 0 must be from 1 to 1048576"),
        (512, 0, 16, ["q_proj"], false, "--batch: 0 must be at least 1"),
        (512, 1, 2000, ["k_proj"], false, "--r: 2000 exceeds min(in, out) = 1024 of k_proj"),
        (512, 1, 16, ["qkv_proj"], false, "target module 'qkv_proj' does not exist in this model"),
        (512, 1, 16, [], false, "--targets: names no module"),
        (512, 1, 0, [], true, "--quantize: full-parameter training needs float weights"),
    ])
    func refusedSettings(length: Int, batch: Int, rank: Int, targets: [String], full: Bool, message: String) throws {
        let shape = try ModelShape.named("llama-3-8b")
        let training: MemoryPlan.Settings.Training = full ? .full : .lora(LoRAConfig(rank: rank, targetModules: targets))
        let settings = MemoryPlan.Settings(sequenceLength: length, batch: batch, training: training, quantizeToNF4: full)
        #expect { try MemoryPlan(config: shape.config, storedDType: .bf16, settings: settings) } throws: { "\($0)".hasPrefix(message) }
    }

    @Test("a stored dtype other than F32, F16 or BF16 is refused")
    func storedDType() throws {
        let shape = try ModelShape.named("tiny")
        #expect { try MemoryPlan(config: shape.config, storedDType: .u8, settings: .init(sequenceLength: 8, training: .full)) } throws: {
            "\($0)" == "--dtype: U8 is not F32, F16 or BF16"
        }
    }
}
