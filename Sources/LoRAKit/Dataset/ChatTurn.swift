/// One message of a conversation (LoRAKitJinja.ChatMessage is the template's richer form), as TRL's and OpenAI's conversational datasets hold it.
public struct ChatTurn: Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static let roles: Set<String> = ["system", "user", "assistant"]
}
