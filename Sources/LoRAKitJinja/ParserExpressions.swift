// Expressions, with jinja2's precedence, loosest first:
//   conditional (`a if c else b`) < or < and < not < comparisons and `in`
//   < `+ -` < `~` < `* / // %` < `**` < unary `- +` < postfix (`.x`, `[i]`, `(…)`) then filters `|` and tests `is`.
// Note `~` binds tighter than `+` (so `1 + 1 ~ 'x'` is `1 + '1x'`), and `**` is left-associative.

extension Parser {
    func node(_ kind: Expr.Kind, _ location: SourceLocation) -> Expr { Expr(kind: kind, location: location) }

    /// An expression or, with commas, a tuple (`{{ a, b }}`, `set a, b = 1, 2`).
    mutating func parseTuple(withCondexpr: Bool = true, endNames: [String] = []) throws -> Expr {
        let location = current.location
        var items: [Expr] = []
        var sawComma = false
        while true {
            if !items.isEmpty {
                guard skipOp(",") else { break }
                sawComma = true
            }
            if isTupleEnd(endNames) { break }
            items.append(withCondexpr ? try parseExpression() : try parseOr())
        }
        if !sawComma, items.count == 1 { return items[0] }
        guard !items.isEmpty else { throw fail("Expected an expression, got \(describe(current))") }
        return node(.tuple(items), location)
    }

    func isTupleEnd(_ endNames: [String]) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .eof: return true
        case .op(let o): return o == ")" || o == "]" || o == "}" || o == "="
        case .name(let n): return endNames.contains(n) || n == "if"
        default: return false
        }
    }

    mutating func parseExpression() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        var expr = try parseOr()
        while isName("if") {
            let location = advance().location
            let condition = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            expr = node(.conditional(condition: condition, then: expr, otherwise: otherwise), location)
        }
        return expr
    }

    mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        while isName("or") {
            let location = advance().location
            left = node(.or(left, try parseAnd()), location)
        }
        return left
    }

    mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        while isName("and") {
            let location = advance().location
            left = node(.and(left, try parseNot()), location)
        }
        return left
    }

    mutating func parseNot() throws -> Expr {
        guard isName("not") else { return try parseCompare() }
        try enter()
        defer { depth -= 1 }
        let location = advance().location
        return node(.not(try parseNot()), location)
    }

    mutating func parseCompare() throws -> Expr {
        let location = current.location
        let first = try parseMath1()
        var ops: [(String, Expr)] = []
        while true {
            if case .op(let o) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                _ = advance()
                ops.append((o, try parseMath1()))
            } else if skipName("in") {
                ops.append(("in", try parseMath1()))
            } else if isName("not"), index + 1 < tokens.count, isName("in", tokens[index + 1]) {
                _ = advance()
                _ = advance()
                ops.append(("notin", try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : node(.compare(first, ops), location)
    }

    mutating func parseBinary(_ ops: [String], next: (inout Parser) throws -> Expr) throws -> Expr {
        var left = try next(&self)
        while case .op(let o) = current.kind, ops.contains(o) {
            let location = advance().location
            left = node(.binary(o, left, try next(&self)), location)
        }
        return left
    }

    mutating func parseMath1() throws -> Expr {
        try parseBinary(["+", "-"]) { try $0.parseConcat() }
    }

    mutating func parseConcat() throws -> Expr {
        let location = current.location
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : node(.concat(items), location)
    }

    mutating func parseMath2() throws -> Expr {
        try parseBinary(["*", "/", "//", "%"]) { try $0.parsePow() }
    }

    mutating func parsePow() throws -> Expr {
        try parseBinary(["**"]) { try $0.parseUnary(withFilters: true) }
    }

    mutating func parseUnary(withFilters: Bool) throws -> Expr {
        let location = current.location
        var expr: Expr
        if isOp("-") || isOp("+") {
            try enter()
            defer { depth -= 1 }
            guard case .op(let o) = advance().kind else { throw fail("unreachable") }
            expr = node(.unary(o, try parseUnary(withFilters: false)), location)
        } else {
            expr = try parsePrimary()
        }
        expr = try parsePostfix(expr)
        return withFilters ? try parseFiltersAndTests(expr) : expr
    }

    mutating func parsePrimary() throws -> Expr {
        let token = advance()
        switch token.kind {
        case .name(let n):
            switch n {
            case "true", "True": return node(.literal(.bool(true)), token.location)
            case "false", "False": return node(.literal(.bool(false)), token.location)
            case "none", "None": return node(.literal(.none), token.location)
            default: return node(.name(n), token.location)
            }
        case .string(var s):
            // Adjacent string literals join, as in Python.
            while case .string(let more) = current.kind {
                s += more
                _ = advance()
            }
            return node(.literal(.string(s)), token.location)
        case .integer(let i): return node(.literal(.int(i)), token.location)
        case .float(let d): return node(.literal(.double(d)), token.location)
        case .op("("):
            if skipOp(")") { return node(.tuple([]), token.location) }
            let inner = try parseTuple()
            try expectOp(")")
            return inner
        case .op("["): return try parseList(token.location)
        case .op("{"): return try parseDict(token.location)
        default:
            throw fail("unexpected \(describe(token))", token)
        }
    }

    mutating func parseList(_ location: SourceLocation) throws -> Expr {
        var items: [Expr] = []
        while !skipOp("]") {
            if !items.isEmpty { try expectOp(",") }
            if skipOp("]") { break }
            items.append(try parseExpression())
        }
        return node(.list(items), location)
    }

    mutating func parseDict(_ location: SourceLocation) throws -> Expr {
        var pairs: [(Expr, Expr)] = []
        while !skipOp("}") {
            if !pairs.isEmpty { try expectOp(",") }
            if skipOp("}") { break }
            let key = try parseExpression()
            try expectOp(":")
            pairs.append((key, try parseExpression()))
        }
        return node(.dict(pairs), location)
    }

    mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var expr = start
        while true {
            if isOp(".") || isOp("[") {
                expr = try parseSubscript(expr)
            } else if isOp("(") {
                let location = current.location
                let (args, kwargs) = try parseCallArguments()
                expr = node(.call(expr, args, kwargs), location)
            } else {
                return expr
            }
        }
    }

    mutating func parseSubscript(_ target: Expr) throws -> Expr {
        let token = advance()
        if case .op(".") = token.kind {
            let attr = advance()
            switch attr.kind {
            case .name(let n): return node(.attribute(target, n), token.location)
            case .integer(let i): return node(.item(target, node(.literal(.int(i)), attr.location)), token.location)
            default: throw fail("expected name or number", attr)
            }
        }
        let part = try parseSubscribed()
        try expectOp("]")
        switch part {
        case .index(let i): return node(.item(target, i), token.location)
        case .slice(let start, let stop, let step):
            return node(.slice(target, start: start, stop: stop, step: step), token.location)
        }
    }
}
