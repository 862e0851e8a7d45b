// Turns tokens into statements. The statement tags are parsed here; expressions in ParserExpressions.swift.
// Errors follow jinja2's wording where templates' authors would recognise it.

struct Parser {
    var tokens: [Token]
    var index = 0
    /// How deeply expressions and blocks nest right now; bounded so that input cannot overflow the stack.
    var depth = 0
    static let maxDepth = 200

    init(tokens: [Token]) { self.tokens = tokens }

    /// Parses a whole template.
    static func parse(_ source: String) throws -> [Stmt] {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        let (body, _) = try parser.parseStatements(until: [], innermost: nil)
        try Validation.check(body, soft: false)
        return body
    }

    var current: Token { tokens[index] }

    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func fail(_ message: String, _ token: Token? = nil) -> JinjaError {
        JinjaError(.syntax, message, at: (token ?? current).location)
    }

    func isName(_ name: String, _ token: Token? = nil) -> Bool {
        if case .name(let n) = (token ?? current).kind { return n == name }
        return false
    }

    func isOp(_ op: String) -> Bool {
        if case .op(let o) = current.kind { return o == op }
        return false
    }

    mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        _ = advance()
        return true
    }

    mutating func skipName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        _ = advance()
        return true
    }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw fail("expected '\(op)', got \(describe(current))") }
    }

    mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else { throw fail("expected a name, got \(describe(current))") }
        _ = advance()
        return n
    }

    mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else {
            throw fail("expected end of statement block, got \(describe(current))")
        }
        _ = advance()
    }

    /// Statements up to one of `endTags` (whose name is consumed and returned) or the end of the template.
    mutating func parseStatements(until endTags: [String], innermost: String?) throws -> ([Stmt], String?) {
        try enter()
        defer { depth -= 1 }
        var body: [Stmt] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let s):
                _ = advance()
                body.append(Stmt(kind: .text(s), location: token.location))
            case .variableBegin:
                _ = advance()
                let expr = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw fail("unexpected \(describe(current)), expected end of print statement")
                }
                _ = advance()
                body.append(Stmt(kind: .output(expr), location: token.location))
            case .blockBegin:
                _ = advance()
                if case .name(let n) = current.kind, endTags.contains(n) {
                    _ = advance()
                    return (body, n)
                }
                body.append(try parseStatement(endTags: endTags, innermost: innermost))
            case .eof:
                guard let innermost else { return (body, nil) }
                throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                           + lookingFor(endTags) + ". The innermost block that needs to be closed is '\(innermost)'.")
            default:
                throw fail("unexpected \(describe(token))")
            }
        }
    }

    mutating func enter() throws {
        depth += 1
        guard depth <= Parser.maxDepth else { throw fail("template nested more than \(Parser.maxDepth) levels deep") }
    }

    func lookingFor(_ tags: [String]) -> String {
        tags.map { "'\($0)'" }.joined(separator: " or ")
    }

    /// One `{% tag … %}`, after `{%`.
    mutating func parseStatement(endTags: [String], innermost: String?) throws -> Stmt {
        let token = current
        guard case .name(let tag) = token.kind else { throw fail("tag name expected") }
        _ = advance()
        let kind: Stmt.Kind
        switch tag {
        case "if": kind = try parseIf()
        case "for": kind = .forLoop(try parseFor())
        case "set": kind = try parseSet()
        case "macro": kind = .macro(try parseMacro())
        case "call": kind = try parseCallBlock()
        case "filter": kind = try parseFilterBlock()
        case "break", "continue":
            try expectBlockEnd()
            kind = tag == "break" ? .breakLoop : .continueLoop
        case "generation":
            try expectBlockEnd()
            kind = .generation(try parseBody(until: "endgeneration", innermost: "generation"))
        case "include", "extends", "import", "from", "block", "with", "do", "autoescape", "trans":
            throw fail("the '\(tag)' tag is not supported by LoRAKitJinja", token)
        default:
            var message = "Encountered unknown tag '\(tag)'."
            if let innermost {
                message += " Jinja was looking for the following tags: \(lookingFor(endTags))."
                    + " The innermost block that needs to be closed is '\(innermost)'."
            }
            throw fail(message, token)
        }
        return Stmt(kind: kind, location: token.location)
    }

    /// A body ending in `{% end %}` (with an optional name after it, as `endmacro name` allows).
    mutating func parseBody(until end: String, innermost: String) throws -> [Stmt] {
        let (body, _) = try parseStatements(until: [end], innermost: innermost)
        if case .name = current.kind, end == "endmacro" { _ = advance() }
        try expectBlockEnd()
        return body
    }

    mutating func parseIf() throws -> Stmt.Kind {
        var branches: [(Expr, [Stmt])] = []
        var condition = try parseTuple(withCondexpr: false)
        while true {
            try expectBlockEnd()
            let (body, end) = try parseStatements(until: ["elif", "else", "endif"], innermost: "if")
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try parseTuple(withCondexpr: false)
            case "else":
                try expectBlockEnd()
                return .ifChain(branches, otherwise: try parseBody(until: "endif", innermost: "if"))
            default:
                try expectBlockEnd()
                return .ifChain(branches, otherwise: [])
            }
        }
    }

    mutating func parseFor() throws -> ForLoop {
        let target = try parseAssignTarget(withNamespace: false)
        guard skipName("in") else { throw fail("expected 'in', got \(describe(current))") }
        let iterable = try parseTuple(withCondexpr: false, endNames: ["recursive"])
        let condition = skipName("if") ? try parseExpression() : nil
        if isName("recursive") { throw fail("recursive for loops are not supported by LoRAKitJinja") }
        try expectBlockEnd()
        let (body, end) = try parseStatements(until: ["endfor", "else"], innermost: "for")
        var otherwise: [Stmt] = []
        if end == "else" {
            try expectBlockEnd()
            otherwise = try parseBody(until: "endfor", innermost: "for")
        } else {
            try expectBlockEnd()
        }
        return ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise)
    }

    mutating func parseSet() throws -> Stmt.Kind {
        let target = try parseAssignTarget(withNamespace: true)
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value)
        }
        let filters = current.kind == .blockEnd ? [] : try parseFilterChain(requireFirstPipe: true)
        try expectBlockEnd()
        return .setBlock(target, filters, try parseBody(until: "endset", innermost: "set"))
    }

    /// `name`, `a, b`, or (in `set`) `ns.attr`.
    mutating func parseAssignTarget(withNamespace: Bool) throws -> Target {
        var targets: [Target] = []
        repeat {
            if isName("in") || current.kind == .blockEnd || isOp("=") { break }
            let name = try expectName()
            if withNamespace, skipOp(".") {
                targets.append(.attribute(name, try expectName()))
            } else {
                targets.append(.name(name))
            }
        } while skipOp(",")
        guard !targets.isEmpty else { throw fail("expected an assignment target, got \(describe(current))") }
        return targets.count == 1 ? targets[0] : .tuple(targets)
    }

    mutating func parseMacro() throws -> MacroDefinition {
        let name = try expectName()
        let parameters = try parseParameters()
        try expectBlockEnd()
        return MacroDefinition(name: name, parameters: parameters, body: try parseBody(until: "endmacro",
                                                                                        innermost: "macro"))
    }

    /// `(a, b=1)` of a macro or a call block.
    mutating func parseParameters() throws -> [(String, Expr?)] {
        try expectOp("(")
        var parameters: [(String, Expr?)] = []
        while !skipOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let name = try expectName()
            parameters.append((name, skipOp("=") ? try parseExpression() : nil))
        }
        return parameters
    }

    mutating func parseCallBlock() throws -> Stmt.Kind {
        let parameters = isOp("(") ? try parseParameters() : []
        let call = try parseExpression()
        guard case .call = call.kind else { throw fail("expected call", tokens[index]) }
        try expectBlockEnd()
        return .callBlock(call, callerParameters: parameters, try parseBody(until: "endcall", innermost: "call"))
    }

    mutating func parseFilterBlock() throws -> Stmt.Kind {
        let filters = try parseFilterChain(requireFirstPipe: false)
        try expectBlockEnd()
        return .filterBlock(filters, try parseBody(until: "endfilter", innermost: "filter"))
    }

    /// `name(args) | name2 …` of `{% filter %}`, or `| name …` after `{% set x`.
    mutating func parseFilterChain(requireFirstPipe: Bool) throws -> [FilterCall] {
        var filters: [FilterCall] = []
        if requireFirstPipe, !isOp("|") { throw fail("expected '=' or '|', got \(describe(current))") }
        repeat {
            if filters.isEmpty && !requireFirstPipe {
                // `{% filter upper %}` starts with the name itself
            } else {
                try expectOp("|")
            }
            let location = current.location
            let name = try parseDottedName()
            let (args, kwargs) = isOp("(") ? try parseCallArguments() : ([], [])
            filters.append(FilterCall(name: name, args: args, kwargs: kwargs, location: location))
        } while isOp("|")
        return filters
    }
}

/// How jinja2 names a token in error messages.
func describe(_ token: Token) -> String {
    switch token.kind {
    case .text: return "'template data'"
    case .variableBegin: return "'begin of print statement'"
    case .variableEnd: return "'end of print statement'"
    case .blockBegin: return "'begin of statement block'"
    case .blockEnd: return "'end of statement block'"
    case .name(let n): return "'\(n)'"
    case .string(let s): return "string '\(s)'"
    case .integer(let i): return "integer \(i)"
    case .float(let d): return "float \(d)"
    case .op(let o): return "'\(o)'"
    case .eof: return "'end of template'"
    }
}
