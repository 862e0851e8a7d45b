// apply_chat_template(continue_final_message=True): render a conversation whose last message is
// unfinished (a prefill), so the output ends inside that message instead of closing it.
// transformers appends a marker to the message's text, renders, and cuts the output at the marker.

private let marker = "CONTINUE_FINAL_MESSAGE_TAG "

extension ChatTemplate {
    /// The messages with the marker after the final message's text (its last text block when the
    /// content is a list), and that text, which the rendering must contain.
    func markFinalMessage(_ messages: [Value]) throws -> ([Value], String) {
        guard case .dict(var last)? = messages.last, let content = last["content"] else {
            throw JinjaError(.runtime, "ValueError: continue_final_message is set but the final message has no "
                             + "\"content\" to continue!", templateName: name)
        }
        guard containsScalars(source, "content") else {
            throw JinjaError(.runtime, "ValueError: continue_final_message is set to \"content\" but this is not "
                             + "an accepted field in the chat_template", templateName: name)
        }
        let final: String
        switch content {
        case .array(var blocks), .tuple(var blocks):
            guard let i = blocks.lastIndex(where: { if case .dict(let b) = $0 { b["text"] != nil } else { false } }),
                  case .dict(var block) = blocks[i], let text = block["text"]
            else {
                throw JinjaError(.runtime, "ValueError: continue_final_message is set but we could not find any "
                                 + "text to continue in the final message!", templateName: name)
            }
            final = text.pythonString
            block["text"] = try binaryOperation("+", text, .string(marker), limits: limits)
            blocks[i] = .dict(block)
            last["content"] = .array(blocks)
        default:
            final = content.pythonString
            last["content"] = try binaryOperation("+", content, .string(marker), limits: limits)
        }
        return (messages.dropLast() + [.dict(last)], final)
    }

    /// Cuts the rendering where the marker is; if the template trimmed the space after it, trims there too.
    func cutAtFinalMessage(_ rendered: String, final: String) throws -> String {
        let strippedFinal = try pythonStrip(final, "strip", nil)
        let strippedMarker = try pythonStrip(marker, "strip", nil)
        let text = Array(rendered.unicodeScalars)
        guard containsScalars(rendered, strippedFinal),
              let at = lastIndex(of: Array(strippedMarker.unicodeScalars), in: text)
        else {
            throw JinjaError(.runtime, "ValueError: continue_final_message is set but the final message does not "
                + "appear in the chat after applying the chat template! This can happen if the chat template "
                + "deletes portions of the final message. Please verify the chat template and final message in "
                + "your chat to ensure they are compatible.Final message to continue: \(strippedFinal)\n"
                + "Rendered chat:\n\(rendered)", templateName: name)
        }
        let before = String(String.UnicodeScalarView(text[..<at]))
        if text[at...].starts(with: marker.unicodeScalars) { return before }
        return try pythonStrip(before, "rstrip", nil)
    }
}

/// Substring search by code points (Swift's String.contains compares characters, which is not Python's `in`).
private func containsScalars(_ text: String, _ part: String) -> Bool {
    part.isEmpty || lastIndex(of: Array(part.unicodeScalars), in: Array(text.unicodeScalars)) != nil
}

private func lastIndex(of part: [Unicode.Scalar], in text: [Unicode.Scalar]) -> Int? {
    guard part.count <= text.count else { return nil }
    return (0...(text.count - part.count)).reversed().first { text[$0...].starts(with: part) }
}
