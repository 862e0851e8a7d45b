import Foundation
import Testing
@testable import LoRAKitTokenizers

/// The hand-written matchers must cut exactly where the general regex engine does.
@Suite("Fast split matchers agree with the regex engine")
struct KnownSplitPatternTests {
    static let sources = [KnownSplitPattern.gpt2Source, KnownSplitPattern.llama3Source, KnownSplitPattern.qwen2Source,
                          KnownSplitPattern.llamaCppLlama3Source, KnownSplitPattern.llamaCppQwen2Source]

    static func compare(_ source: String, _ text: String) throws -> (fast: [Range<Int>], general: [Range<Int>]) {
        let fast = try #require(KnownSplitPattern(source: source))
        let general = try PatternRegex(generalEngineFor: source)
        let scalars = Array(text.unicodeScalars)
        // Empty matches never happen with these patterns, but the general engine may report them.
        return (fast.matches(in: scalars), general.matches(in: scalars).filter { !$0.isEmpty })
    }

    @Test("the three known patterns are recognised, and the ByteLevel regex is GPT-2's")
    func recognised() {
        for source in Self.sources { #expect(KnownSplitPattern(source: source) != nil) }
        #expect(KnownSplitPattern(source: ByteLevel.gpt2Pattern) != nil)
        #expect(KnownSplitPattern(source: #"\s+"#) == nil)
    }

    @Test("same splits on the corpus", arguments: sources)
    func corpus(source: String) throws {
        // The long-s case is where Swift's Regex is the one that differs from Oniguruma (see below).
        for text in try Fixtures.corpus() where !text.contains("ſ") {
            let result = try Self.compare(source, text)
            #expect(result.fast == result.general, "\"\(shown(text))\"")
        }
    }

    /// Oniguruma folds "ſ" (long s) to "s" under `(?i)`, so "'ſ" is a contraction for Llama 3 —
    /// the tokenizers package splits "tl'ſmS" as "tl", "'ſ", "mS". Swift's Regex does not fold it,
    /// which is why the random strings below leave "ſ" out.
    @Test("long s is a contraction under (?i), as in Oniguruma")
    func longS() throws {
        let fast = try #require(KnownSplitPattern(source: KnownSplitPattern.llama3Source))
        #expect(fast.matches(in: Array("tl'ſmS".unicodeScalars)) == [0..<2, 2..<4, 4..<6])
    }

    /// llama.cpp spells the contractions `'[sS]`…, and its own matcher lowers only what Unicode
    /// lowers: "'ſ" is no contraction there, so "'ſmS" is one piece (an apostrophe and letters).
    @Test("long s is no contraction in llama.cpp's spelling")
    func longSLlamaCpp() throws {
        for source in [KnownSplitPattern.llamaCppLlama3Source, KnownSplitPattern.llamaCppQwen2Source] {
            let fast = try #require(KnownSplitPattern(source: source))
            #expect(fast.matches(in: Array("tl'ſmS".unicodeScalars)) == [0..<2, 2..<6])
        }
    }

    @Test("same splits on random code points", arguments: sources)
    func randomScalars(source: String) throws {
        // Blocks with letters, marks, digits, spaces and symbols of many kinds.
        let blocks: [ClosedRange<UInt32>] = [0x0...0x7F, 0xA0...0x24F, 0x300...0x36F, 0x370...0x52F, 0x600...0x6FF,
                                             0x900...0x97F, 0x1E00...0x1FFF, 0x2000...0x2BFF, 0x3000...0x30FF,
                                             0xFF00...0xFFEF, 0x1D400...0x1D7FF, 0x1E900...0x1E95F, 0x1F100...0x1F6FF]
        var generator = SplitMix(seed: 11)
        for _ in 0..<2000 {
            var view = String.UnicodeScalarView()
            for _ in 0..<Int(generator.next() % 20) {
                let block = blocks[Int(generator.next() % UInt64(blocks.count))]
                let value = block.lowerBound + UInt32(generator.next() % UInt64(block.count))
                // Long s is where Swift's Regex differs from Oniguruma (see longS).
                if let scalar = Unicode.Scalar(value), scalar != "ſ" { view.append(scalar) }
            }
            let text = String(view)
            let result = try Self.compare(source, text)
            #expect(result.fast == result.general, "\"\(shown(text))\"")
            if result.fast != result.general { return }
        }
    }

    @Test("same splits on random strings", arguments: sources)
    func random(source: String) throws {
        // Characters each alternative cares about: spaces of several kinds, line breaks,
        // apostrophes and the contraction letters (both cases), digits of several
        // kinds, letters, marks, punctuation and symbols.
        let alphabet = Array(" \t\n\r\u{0B}\u{A0}\u{3000}\u{85}'sStTrReEvVmMlLdDx1239٣Ⅻ½é\u{301}日ßΣ.,!?-_$😀\u{200D}".unicodeScalars)
        var generator = SplitMix(seed: 42)
        for _ in 0..<3000 {
            let length = Int(generator.next() % 24)
            var view = String.UnicodeScalarView()
            for _ in 0..<length { view.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let text = String(view)
            let result = try Self.compare(source, text)
            #expect(result.fast == result.general, "\"\(shown(text))\"")
            if result.fast != result.general { return }
        }
    }
}

/// A small seeded generator, so the random strings are the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
