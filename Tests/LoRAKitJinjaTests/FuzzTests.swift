import Foundation
import Testing
@testable import LoRAKitJinja

/// Mangled real templates (cut short, characters dropped, duplicated or swapped) must render or throw
/// a JinjaError; a crash would end the test process. The seed is fixed, so failures reproduce.
@Suite struct FuzzTests {
    /// A small deterministic generator (SplitMix64), so every run mangles the same way.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func mangledTemplatesNeverCrash() throws {
        let names = ["Qwen-Qwen3-0.6B.jinja", "meta-llama-Llama-3.1-8B-Instruct.jinja",
                     "mistralai-Mistral-Nemo-Instruct-2407.jinja", "SmolLM2-135M-Instruct.jinja"]
        var rng = SplitMix(state: 42)
        let messages: [Value] = [
            ["role": "system", "content": "s"], ["role": "user", "content": "u"],
            ["role": "assistant", "content": "<think>r</think>a"], ["role": "user", "content": "v"],
        ]
        var rendered = 0
        for name in names {
            let source = Array(try Fixtures.text("templates/" + name).unicodeScalars)
            for _ in 0..<150 {
                let mangled = mangle(source, &rng)
                let limits = RenderLimits(maxLoopIterations: 10_000, maxOutputBytes: 1 << 20, maxCallDepth: 20)
                do {
                    let t = try ChatTemplate(source: mangled, limits: limits)
                    _ = try t.render(messages: messages, addGenerationPrompt: true, variables: ["bos_token": "<s>"])
                    rendered += 1
                } catch is JinjaError {
                } catch {
                    Issue.record("\(name): not a JinjaError: \(error)")
                }
            }
        }
        #expect(rendered > 0)
    }

    private func mangle(_ source: [Unicode.Scalar], _ rng: inout SplitMix) -> String {
        var s = source
        for _ in 0..<Int.random(in: 1...4, using: &rng) where !s.isEmpty {
            let i = Int.random(in: 0..<s.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: s = Array(s[..<i])
            case 1: s.remove(at: i)
            case 2: s.insert(s[i], at: i)
            default: s.swapAt(i, Int.random(in: 0..<s.count, using: &rng))
            }
        }
        return String(String.UnicodeScalarView(s))
    }
}
