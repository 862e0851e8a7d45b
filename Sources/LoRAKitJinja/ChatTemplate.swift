import Foundation

/// One chat message. Extra fields (`tool_calls`, `tool_call_id`, `reasoning_content`, …) go in
/// ``fields`` and reach the template as keys of the message dict, after `role` and `content`.
public struct ChatMessage: Sendable {
    public var role: String
    public var content: Value
    public var fields: [(String, Value)]

    public init(role: String, content: String, fields: [(String, Value)] = []) {
        self.init(role: role, content: .string(content), fields: fields)
    }

    public init(role: String, content: Value, fields: [(String, Value)] = []) {
        self.role = role
        self.content = content
        self.fields = fields
    }

    /// The message as the dict a template sees.
    public var value: Value {
        .dict(OrderedDict([("role", .string(role)), ("content", content)] + fields))
    }
}

/// A chat template (the Jinja source in a tokenizer's `chat_template`), parsed once and rendered
/// as transformers' `tokenizer.apply_chat_template(messages, tokenize=False, …)` renders it.
///
/// ```swift
/// let template = try ChatTemplate(source: jinjaText, name: "Qwen2.5")
/// let prompt = try template.render(
///     messages: [["role": "user", "content": "Hi"]],
///     addGenerationPrompt: true,
///     variables: ["eos_token": "<|im_end|>"])
/// ```
///
/// Rendering is deterministic except for `strftime_now`, which reads `now` in `timeZone`
/// (transformers reads the local clock); pass both to reproduce a rendering exactly.
public struct ChatTemplate: Sendable {
    /// The template's text, as given.
    public let source: String
    /// Names the template in error messages.
    public let name: String
    /// Bounds every render of this template.
    public var limits: RenderLimits
    private let body: [Stmt]

    /// Parses `source`; throws ``JinjaError`` (kind ``JinjaError/Kind/syntax``) naming the line.
    public init(source: String, name: String = "chat_template", limits: RenderLimits = RenderLimits()) throws {
        self.source = source
        self.name = name
        self.limits = limits
        do {
            body = try Parser.parse(source)
        } catch var error as JinjaError {
            error.templateName = name
            throw error
        }
    }

    /// Renders a conversation as apply_chat_template does.
    ///
    /// - Parameters:
    ///   - messages: Message dicts (`["role": "user", "content": "Hi"]`), at least one, as transformers
    ///     requires. As there, keys whose value is `none` are dropped, and a message with
    ///     `reasoning_content`, `thinking` or `reasoning` gets its reasoning under both `thinking` and
    ///     `reasoning_content`.
    ///   - addGenerationPrompt: The template's `add_generation_prompt`.
    ///   - continueFinalMessage: Leave the last message open (a prefill), as transformers'
    ///     `continue_final_message=True` does: the output ends right after that message's text.
    ///     Not combinable with `addGenerationPrompt`.
    ///   - tools: Tool schemas as JSON-like dicts; `none` in the template when nil.
    ///   - documents: Retrieval documents; `none` in the template when nil.
    ///   - variables: Everything else the template reads: the tokenizer's special tokens
    ///     (`bos_token`, `eos_token`, …) and template options (`enable_thinking`, `date_string`, …).
    ///   - now: The instant `strftime_now` formats.
    ///   - timeZone: The zone `strftime_now` formats `now` in.
    public func render(messages: [Value], addGenerationPrompt: Bool = false, continueFinalMessage: Bool = false,
                       tools: [Value]? = nil, documents: [Value]? = nil, variables: [String: Value] = [:],
                       now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        try checkRequest(messages, addGenerationPrompt, continueFinalMessage)
        var normalized = try messages.map(normalizeMessage)
        var final: String?
        if continueFinalMessage { (normalized, final) = try markFinalMessage(normalized) }
        let context = chatContext(normalized, addGenerationPrompt, tools, documents, variables)
        let rendered = try evaluate(context, now: now, timeZone: timeZone).text
        guard let final else { return rendered }
        return try cutAtFinalMessage(rendered, final: final)
    }

    /// Renders as ``render(messages:addGenerationPrompt:continueFinalMessage:tools:documents:variables:now:timeZone:)``
    /// does, and also reports where each `{% generation %}` block's output lies — what transformers'
    /// `return_assistant_tokens_mask=True` builds the assistant mask from, for training on the
    /// assistant's tokens only.
    public func renderWithGenerationSpans(messages: [Value], addGenerationPrompt: Bool = false,
                                          tools: [Value]? = nil, documents: [Value]? = nil,
                                          variables: [String: Value] = [:], now: Date = Date(),
                                          timeZone: TimeZone = .current) throws -> ChatRendering {
        try checkRequest(messages, addGenerationPrompt, false)
        let normalized = try messages.map(normalizeMessage)
        let context = chatContext(normalized, addGenerationPrompt, tools, documents, variables)
        return try evaluate(context, now: now, timeZone: timeZone)
    }

    /// The variables apply_chat_template passes: the caller's, then messages, the flag, tools, documents.
    private func chatContext(_ messages: [Value], _ addGenerationPrompt: Bool, _ tools: [Value]?,
                             _ documents: [Value]?, _ variables: [String: Value]) -> [String: Value] {
        var context = variables
        context["messages"] = .array(messages)
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        context["tools"] = tools.map(Value.array) ?? variables["tools"] ?? Value.none
        context["documents"] = documents.map(Value.array) ?? variables["documents"] ?? Value.none
        return context
    }

    /// The checks apply_chat_template makes before rendering.
    private func checkRequest(_ messages: [Value], _ addGenerationPrompt: Bool, _ continueFinal: Bool) throws {
        guard !messages.isEmpty else {
            throw JinjaError(.runtime, "ValueError: Cannot apply chat template to an empty conversation. "
                             + "Provide at least one message.", templateName: name)
        }
        guard !(addGenerationPrompt && continueFinal) else {
            throw JinjaError(.runtime, "ValueError: continue_final_message and add_generation_prompt are not "
                + "compatible. Use continue_final_message when you want the model to continue the final message, "
                + "and add_generation_prompt when you want to add a header that will prompt it to start a new "
                + "assistant message instead.", templateName: name)
        }
    }

    /// Renders typed messages, exactly as their ``ChatMessage/value`` dicts would render with
    /// ``render(messages:addGenerationPrompt:continueFinalMessage:tools:documents:variables:now:timeZone:)``.
    /// (A separate label keeps `render(messages: [])` unambiguous.)
    public func render(chat messages: [ChatMessage], addGenerationPrompt: Bool = false,
                       continueFinalMessage: Bool = false, tools: [Value]? = nil, documents: [Value]? = nil,
                       variables: [String: Value] = [:], now: Date = Date(),
                       timeZone: TimeZone = .current) throws -> String {
        try render(messages: messages.map(\.value), addGenerationPrompt: addGenerationPrompt,
                   continueFinalMessage: continueFinalMessage, tools: tools, documents: documents,
                   variables: variables, now: now, timeZone: timeZone)
    }

    /// Renders with exactly the variables given, like jinja2's `Template.render(**context)`:
    /// nothing is added or normalized.
    public func render(context: [String: Value], now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        try evaluate(context, now: now, timeZone: timeZone).text
    }

    private func evaluate(_ context: [String: Value], now: Date, timeZone: TimeZone) throws -> ChatRendering {
        let evaluator = Evaluator(variables: context, limits: limits, now: now, timeZone: timeZone)
        do {
            let text = try evaluator.capture(body)
            return ChatRendering(text: text, generationSpans: evaluator.generationSpans)
        } catch var error as JinjaError {
            error.templateName = name
            throw error
        }
    }
}

/// A rendering with the places of its `{% generation %}` output.
public struct ChatRendering: Sendable {
    public let text: String
    /// Each `{% generation %}` block's output, as code-point offsets into ``text`` — the
    /// `(start, end)` pairs transformers computes (Python string indices). Blocks rendered inside a
    /// macro or a captured `set` are placed as transformers places them: at the top-level output so far.
    public let generationSpans: [Range<Int>]

    /// ``generationSpans`` as UTF-8 byte offsets into ``text``, for matching tokenizer offsets.
    public var generationUTF8Spans: [Range<Int>] {
        var utf8Offsets: [Int] = [0]
        var offset = 0
        for scalar in text.unicodeScalars {
            offset += UTF8.width(scalar)
            utf8Offsets.append(offset)
        }
        let clamp = { (i: Int) in utf8Offsets[min(max(i, 0), utf8Offsets.count - 1)] }
        return generationSpans.map { clamp($0.lowerBound)..<clamp($0.upperBound) }
    }
}

/// transformers' `_normalize_chat_messages` and `_alias_reasoning_fields` for one message.
private func normalizeMessage(_ message: Value) throws -> Value {
    guard case .dict(let d) = message else {
        throw JinjaError(.runtime, "TypeError: Chat messages should be dicts, but got \(message.pythonRepr).")
    }
    var kept = OrderedDict()
    for (k, v) in d.pairs where !v.isNone { kept[k] = v }
    guard let reasoning = ["reasoning_content", "thinking", "reasoning"].lazy.compactMap({ kept[$0] }).first else {
        return .dict(kept)
    }
    // {"thinking": r, **message, "reasoning_content": r}
    var aliased = OrderedDict()
    aliased["thinking"] = reasoning
    for (k, v) in kept.pairs { aliased[k] = v }
    aliased["reasoning_content"] = reasoning
    return .dict(aliased)
}
