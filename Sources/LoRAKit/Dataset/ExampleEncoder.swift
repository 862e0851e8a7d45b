/// Which tokens of an example the loss covers.
public enum LossMask: String, Sendable, CaseIterable {
    /// TRL's defaults: a prompt-completion example trains on the completion, a conversation on
    /// its assistant turns (each as the template renders it, with its end-of-turn token), a text
    /// on all of it.
    case completion
    /// Every token (`--train-on all`).
    case all
}

/// Turns dataset records into token ids and loss masks with a model's tokenizer and chat
/// template, as TRL's SFTTrainer prepares them.
public struct ExampleEncoder {
    public let tokenizer: any ExampleTokenizer
    public let mask: LossMask

    public init(tokenizer: any ExampleTokenizer, mask: LossMask = .completion) {
        self.tokenizer = tokenizer
        self.mask = mask
    }

    /// The example of `record`; `file` and `line` name it in errors.
    public func encode(_ record: DatasetRecord, file: String, line: Int) throws -> TrainingExample {
        do {
            switch record {
            case .text(let text):
                return all(try tokenizer.encode(withEOS(text), addSpecialTokens: true))
            case let .promptCompletion(prompt, completion):
                let ids = try tokenizer.encode(withEOS(prompt + completion), addSpecialTokens: true)
                return trainedAfter(try tokenizer.encode(prompt, addSpecialTokens: true), in: ids)
            case let .conversationalPromptCompletion(prompt, completion):
                let ids = try tokenizer.encode(tokenizer.renderChat(prompt + completion, addGenerationPrompt: false), addSpecialTokens: false)
                let promptIDs = try tokenizer.encode(tokenizer.renderChat(prompt, addGenerationPrompt: true), addSpecialTokens: false)
                return trainedAfter(promptIDs, in: ids)
            case .conversation(let messages):
                return try conversation(messages)
            }
        } catch let error as DatasetError where error.line == 0 {
            throw DatasetError(file: file, line: line, error.reason)
        } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError(file: file, line: line, "\(error)")
        }
    }

    /// TRL appends the EOS token to texts and completions so the model learns to stop.
    private func withEOS(_ text: String) -> String {
        guard let eos = tokenizer.eosToken, !text.hasSuffix(eos) else { return text }
        return text + eos
    }

    private func all(_ ids: [Int32]) -> TrainingExample { TrainingExample(ids: ids, trained: [Bool](repeating: true, count: ids.count)) }

    /// Trains on the tokens after the prompt's: the prompt's ids as far as they agree with the
    /// whole example's (a token that merges across the boundary counts as completion, as TRL's
    /// mask does when the prompt's ids are not a prefix).
    private func trainedAfter(_ promptIDs: [Int32], in ids: [Int32]) -> TrainingExample {
        guard mask == .completion else { return all(ids) }
        let boundary = Self.commonPrefix(promptIDs, ids)
        return TrainingExample(ids: ids, trained: ids.indices.map { $0 >= boundary })
    }

    /// A conversation's ids, training on its assistant turns (ConversationMask).
    private func conversation(_ messages: [ChatTurn]) throws -> TrainingExample {
        let text = try tokenizer.renderChat(messages, addGenerationPrompt: false)
        let ids = try tokenizer.encode(text, addSpecialTokens: false)
        guard mask == .completion else { return all(ids) }
        var trained = [Bool](repeating: false, count: ids.count)
        for span in try ConversationMask.assistantSpans(messages, rendered: text, tokenizer: tokenizer) {
            let first = Self.commonPrefix(try tokenizer.encode(String(decoding: text.utf8.prefix(span.lowerBound), as: UTF8.self), addSpecialTokens: false), ids)
            let end = Self.commonPrefix(try tokenizer.encode(String(decoding: text.utf8.prefix(span.upperBound), as: UTF8.self), addSpecialTokens: false), ids)
            for n in first..<max(first, end) { trained[n] = true }
        }
        return TrainingExample(ids: ids, trained: trained)
    }

    static func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}
