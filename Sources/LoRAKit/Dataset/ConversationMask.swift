/// Where each assistant turn lies in a rendered conversation. Templates render a turn the same
/// whether or not later turns follow, so the text of turn i is what rendering the turns through
/// i adds to rendering the turns before it with the generation prompt (the assistant header):
/// the message and its end-of-turn token, never the header.
enum ConversationMask {
    /// UTF-8 byte ranges of the assistant turns in `rendered` (the whole conversation's text).
    static func assistantSpans(_ messages: [ChatMessage], rendered: String, tokenizer: any ExampleTokenizer) throws -> [Range<Int>] {
        let full = Array(rendered.utf8)
        var spans: [Range<Int>] = [], cursor = 0
        for (index, message) in messages.enumerated() where message.role == "assistant" {
            let before = index == 0 ? "" : try tokenizer.renderChat(Array(messages[..<index]), addGenerationPrompt: true)
            let through = Array(try tokenizer.renderChat(Array(messages[...index]), addGenerationPrompt: false).utf8)
            let prefix = Array(before.utf8)
            guard through.starts(with: prefix) else {
                throw DatasetError(file: "(template)", line: 0,
                                   "the chat template renders the turns before assistant message \(index) differently once that message follows; cannot find which tokens are the assistant's (use --train-on all)")
            }
            let turn = Array(through[prefix.count...])
            // Usually the turn sits where the shorter rendering ends; templates that render
            // earlier turns differently in a longer conversation need a search.
            let start = full.count >= through.count && full.starts(with: through) ? prefix.count : try find(turn, in: full, from: cursor, index: index)
            spans.append(start..<(start + turn.count))
            cursor = start + turn.count
        }
        return spans
    }

    private static func find(_ turn: [UInt8], in full: [UInt8], from cursor: Int, index: Int) throws -> Int {
        if turn.isEmpty { return cursor }
        var start = cursor
        while start + turn.count <= full.count {
            if full[start] == turn[0], full[start..<(start + turn.count)].elementsEqual(turn) { return start }
            start += 1
        }
        throw DatasetError(file: "(template)", line: 0,
                           "assistant message \(index) does not appear in the whole conversation as the template renders it alone (the template changes earlier turns); use --train-on all")
    }
}
