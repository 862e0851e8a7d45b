extension LlamaDetokenizer {
    /// llama.cpp's `clean_spaces` passes over the decoded bytes, ported step for step (each pass
    /// rewrites the buffer in place, and the second one blanks the byte after " ' ").
    static func cleaned(_ input: [UInt8]) -> [UInt8] {
        var text = input
        let space = UInt8(ascii: " "), quote = UInt8(ascii: "'")
        // " ?", " !", " .", " ," lose the space.
        var total = text.isEmpty ? 0 : 1
        for i in 1..<max(text.count, 1) {
            let x = text[i]
            if text[i - 1] == space && [UInt8]("?!.,".utf8).contains(x) { total -= 1 }
            text[total] = x
            total += 1
        }
        // " ' " loses both spaces.
        let total2 = total
        total = total2 == 0 ? 0 : 1
        var i = 1
        while i < total2 {
            let x = text[i]
            if x == quote && i + 1 < total2 && text[i - 1] == space && text[i + 1] == space {
                total -= 1
                i += 1
                text[i] = 0
            }
            text[total] = x
            total += 1
            i += 1
        }
        return contractions(text, count: total)
    }

    /// " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
    private static func contractions(_ input: [UInt8], count total3: Int) -> [UInt8] {
        var text = input
        let space = UInt8(ascii: " "), quote = UInt8(ascii: "'")
        var total = total3 == 0 ? 0 : 1
        for i in 1..<max(total3, 1) {
            let x = text[i]
            if text[i - 1] == space && x == quote && i + 1 < total3 {
                let x1 = text[i + 1]
                if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") {
                    total -= 1
                } else if x1 != UInt8(ascii: "t") && x1 != UInt8(ascii: "d") && i + 2 < total3 {
                    let x2 = text[i + 2]
                    if (x1 == UInt8(ascii: "r") || x1 == UInt8(ascii: "v")) && x2 == UInt8(ascii: "e") { total -= 1 }
                }
            }
            text[total] = x
            total += 1
        }
        return Array(text[..<total])
    }
}
