// The parts of expressions after a value: subscripts and slices, call arguments, filters and tests.

enum Subscript {
    case index(Expr)
    case slice(Expr?, Expr?, Expr?)
}

extension Parser {
    /// Inside `[…]`: an index, or a slice `start:stop:step` with any part left out.
    mutating func parseSubscribed() throws -> Subscript {
        var parts: [Expr?] = []
        if !isOp(":") {
            let first = try parseExpression()
            guard isOp(":") else { return .index(first) }
            parts.append(first)
        } else {
            parts.append(nil)
        }
        while parts.count < 3, skipOp(":") {
            parts.append(isOp(":") || isOp("]") ? nil : try parseExpression())
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(parts[0], parts[1], parts[2])
    }

    /// `(a, b, key=c)`; positional arguments may not follow keyword ones.
    mutating func parseCallArguments() throws -> ([Expr], [(String, Expr)]) {
        try expectOp("(")
        var args: [Expr] = []
        var kwargs: [(String, Expr)] = []
        while !skipOp(")") {
            if !args.isEmpty || !kwargs.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            if isOp("*") || isOp("**") { throw fail("*args and **kwargs in calls are not supported by LoRAKitJinja") }
            if case .name(let n) = current.kind, index + 1 < tokens.count,
               case .op("=") = tokens[index + 1].kind {
                _ = advance()
                _ = advance()
                kwargs.append((n, try parseExpression()))
            } else {
                guard kwargs.isEmpty else { throw fail("invalid syntax for function call expression") }
                args.append(try parseExpression())
            }
        }
        return (args, kwargs)
    }

    mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while skipOp(".") { name += "." + (try expectName()) }
        return name
    }

    /// `value | filter(args)` and `value is [not] test arg`, in any sequence.
    mutating func parseFiltersAndTests(_ start: Expr) throws -> Expr {
        var expr = start
        while true {
            let location = current.location
            if skipOp("|") {
                let name = try parseDottedName()
                let (args, kwargs) = isOp("(") ? try parseCallArguments() : ([], [])
                expr = node(.filter(expr, name: name, args, kwargs), location)
            } else if skipName("is") {
                expr = try parseTest(expr, location)
            } else if isOp("(") {
                let (args, kwargs) = try parseCallArguments()
                expr = node(.call(expr, args, kwargs), location)
            } else {
                return expr
            }
        }
    }

    /// After `is`: `[not] name`, then `(args)` or one bare argument (`is equalto 2`, `is in ['a']`).
    mutating func parseTest(_ subject: Expr, _ location: SourceLocation) throws -> Expr {
        let negated = skipName("not")
        let name = try parseDottedName()
        var args: [Expr] = []
        if isOp("(") {
            let (positional, keywords) = try parseCallArguments()
            args = positional + keywords.map(\.1)
        } else if startsBareTestArgument() {
            if isName("is") { throw fail("You cannot chain multiple tests with is") }
            args = [try parsePostfix(try parsePrimary())]
        }
        return node(.test(subject, name: name, args, negated: negated), location)
    }

    func startsBareTestArgument() -> Bool {
        switch current.kind {
        case .name(let n): return !["else", "or", "and"].contains(n)
        case .string, .integer, .float: return true
        case .op(let o): return o == "(" || o == "[" || o == "{"
        default: return false
        }
    }
}
