// `{% macro %}` definitions become callables; `{% call %}` passes its body to them as `caller()`.

extension Evaluator {
    func makeMacro(_ m: MacroDefinition) -> Callable {
        Callable(name: m.name) { [unowned self] args in
            try self.invokeMacro(m, args, caller: nil)
        }
    }

    /// Runs a macro body with its arguments bound: by position, then keyword, then default, else undefined.
    func invokeMacro(_ m: MacroDefinition, _ args: Arguments, caller: Callable?) throws -> Value {
        guard args.positional.count <= m.parameters.count else {
            throw typeError("macro '\(m.name)' takes not more than \(m.parameters.count) argument(s)")
        }
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= limits.maxCallDepth else {
            throw JinjaError(.limit, "macro calls nested deeper than maxCallDepth (\(limits.maxCallDepth))")
        }
        let saved = scopes
        defer { scopes = saved }
        // A macro sees the top-level variables and its arguments, not the caller's loop variables.
        scopes = [saved[0], [:]]
        var caller = caller
        for (name, value) in args.keywords {
            if name == "caller", case .function(let f) = value {
                caller = f
            } else if !m.parameters.contains(where: { $0.0 == name }) {
                throw typeError("macro '\(m.name)' has no argument named '\(name)'")
            }
        }
        if let caller { scopes[1]["caller"] = .function(caller) }
        for (i, (name, defaultValue)) in m.parameters.enumerated() {
            let given = args.value(name, at: i)
            scopes[1][name] = try given ?? defaultValue.map(evaluate) ?? .undefined("'\(name)' is undefined")
        }
        return .string(try capture(m.body))
    }

    func runCallBlock(_ call: Expr, _ params: [(String, Expr?)], _ body: [Stmt], into out: inout String) throws {
        guard case .call(let calleeExpr, let argExprs, let kwargExprs) = call.kind else { return }
        let macroScopes = scopes
        let caller = Callable(name: "caller") { [unowned self] args in
            let saved = self.scopes
            defer { self.scopes = saved }
            self.scopes = macroScopes + [[:]]
            for (i, (name, defaultValue)) in params.enumerated() {
                let v = try args.value(name, at: i) ?? defaultValue.map(self.evaluate)
                self.scopes[self.scopes.count - 1][name] = v ?? .undefined("'\(name)' is undefined")
            }
            return .string(try self.capture(body))
        }
        var args = try evaluateArguments(argExprs, kwargExprs)
        args.keywords.append(("caller", .function(caller)))
        let callee = try evaluate(calleeExpr)
        try write(try callValue(callee, args).pythonString, into: &out)
    }
}
