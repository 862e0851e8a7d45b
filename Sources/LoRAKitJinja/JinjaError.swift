/// Where in a template something is: 1-based line and column.
public struct SourceLocation: Sendable, Equatable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// Everything that can go wrong parsing or rendering a template.
///
/// ``description`` reads like `chat_template:3:14: syntax error: unknown tag 'frobnicate'`.
public struct JinjaError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The template does not parse (unclosed block, unknown tag, bad expression).
        case syntax = "syntax error"
        /// Rendering failed: a type error, calling an undefined value, an unsupported construct.
        case runtime = "error"
        /// The template called `raise_exception(message)`; ``message`` is exactly its argument.
        case raised = "raise_exception"
        /// A limit from ``RenderLimits`` was reached.
        case limit = "limit exceeded"
    }

    public var kind: Kind
    public var message: String
    /// The name given to ``ChatTemplate/init(source:name:)``, once the error has passed through it.
    public var templateName: String?
    public var location: SourceLocation?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil,
                templateName: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.templateName = templateName
    }

    public var description: String {
        var prefix = templateName ?? "<template>"
        if let location { prefix += ":\(location.line):\(location.column)" }
        return "\(prefix): \(kind.rawValue): \(message)"
    }

    /// The same error, pinned to `location` unless it already has a more precise one.
    func located(_ location: SourceLocation) -> JinjaError {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }
}
