/// Where each assistant turn lies in a rendered conversation. Templates render a turn the same
/// whether or not later turns follow, so the text of turn i is what rendering the turns through
/// i adds to rendering the turns before it with the generation prompt (the assistant header):
/// the message and its end-of-turn token, never the header.
enum ConversationMask {
    /// UTF-8 byte ranges of the assistant turns in `rendered` (the whole conversation's text):
    /// the template's own `{% generation %}` marks where it has them, as transformers' assistant
    /// mask, else the turns found by rendering.
    static func assistantSpans(_ messages: [ChatTurn], rendered: String, tokenizer: any ExampleTokenizer) throws -> [Range<Int>] {
        if let marked = try tokenizer.generationSpans(messages) { return marked }
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
            // Usually the turn sits where the shorter rendering ends, or further on when the
            // template renders earlier turns differently (Qwen3 drops their reasoning block).
            let span: Range<Int>
            if full.starts(with: through) {
                span = prefix.count..<through.count
            } else if let start = firstIndex(of: turn, in: full, from: cursor) {
                span = start..<(start + turn.count)
            } else {
                span = try contentSpan(of: index, messages, turn: turn, rendered: full, tokenizer: tokenizer)
            }
            spans.append(span)
            cursor = span.upperBound
        }
        return spans
    }

    /// Where message `index`'s content lies in the whole rendering, found by rendering it again
    /// with that content replaced by a sentinel, widened by what the turn rendered alone has
    /// around its content (the end-of-turn token) where the whole rendering has it too.
    private static func contentSpan(of index: Int, _ messages: [ChatTurn], turn: [UInt8], rendered full: [UInt8],
                                    tokenizer: any ExampleTokenizer) throws -> Range<Int> {
        let sentinel = Array("\u{E000}lorakit-assistant-turn\u{E001}".utf8)
        var marked = messages
        marked[index].content = String(decoding: sentinel, as: UTF8.self)
        let markedText = Array(try tokenizer.renderChat(marked, addGenerationPrompt: false).utf8)
        let content = Array(messages[index].content.utf8)
        guard let at = firstIndex(of: sentinel, in: markedText, from: 0), firstIndex(of: sentinel, in: markedText, from: at + 1) == nil,
              full.starts(with: markedText[..<at]), let where_ = firstIndex(of: content, in: turn, from: 0) else {
            throw DatasetError(file: "(template)", line: 0,
                               "cannot find assistant message \(index) in the rendered conversation (the template rewrites it); use --train-on all")
        }
        var start = at, end = full.count - (markedText.count - at - sentinel.count)
        let head = turn[..<where_], tail = turn[(where_ + content.count)...]
        if start >= head.count, full[(start - head.count)..<start].elementsEqual(head) { start -= head.count }
        if full[end...].starts(with: tail) { end += tail.count }
        return start..<max(start, end)
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from cursor: Int) -> Int? {
        guard !needle.isEmpty else { return cursor <= haystack.count ? cursor : nil }
        var start = cursor
        while start + needle.count <= haystack.count {
            if haystack[start] == needle[0], haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
            start += 1
        }
        return nil
    }
}
