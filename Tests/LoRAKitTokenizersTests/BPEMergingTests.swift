import Foundation
import Testing
@testable import LoRAKitTokenizers

/// Short words take a plain scan instead of the heap; both must merge identically.
@Suite("BPE merging")
struct BPEMergingTests {
    @Test("the short-word scan and the heap agree on random words")
    func smallAndHeapAgree() throws {
        let tokenizer = try Fixtures.tokenizer("llama3")
        let alphabet = Array("abcdeilmnorst ĠĊ'0123".unicodeScalars)
        var generator = SplitMix(seed: 7)
        // Words shorter and longer than the cut-over, through a real vocabulary and merge list.
        for _ in 0..<400 {
            let length = 1 + Int(generator.next() % 60)
            var view = String.UnicodeScalarView()
            for _ in 0..<length { view.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let ids = Array(String(view).unicodeScalars).compactMap { tokenizer.id(of: String($0)) }
            let heap = tokenizer.mergeWithHeap(ids)
            #expect(BPEWord.mergeSmall(ids, tokenizer.mergeTable) == heap, "\(String(view))")
        }
    }
}
