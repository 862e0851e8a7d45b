import Foundation

// Runs statements. Scoping follows jinja2: a `for` body is its own scope (a `set` inside it is gone
// after the loop, which is why templates use namespace()), `if` is not, and a macro sees the
// template's top-level variables plus its own arguments.

/// What a statement list asks of the loop around it.
enum Flow {
    case normal, breakLoop, continueLoop
}

final class Evaluator {
    let limits: RenderLimits
    let now: Date
    let timeZone: TimeZone
    /// Innermost last. `scopes[0]` holds the render's variables and the template's top-level `set`s.
    var scopes: [[String: Value]]
    var globals: [String: Value] = [:]
    var iterations = 0
    var bytesWritten = 0
    var callDepth = 0
    /// 1 while rendering the template's top level; more inside `set` blocks, macros, filters.
    var captureDepth = 0
    /// Code points written at the top level so far; `{% generation %}` spans start here.
    var rootScalarCount = 0
    var generationSpans: [Range<Int>] = []

    init(variables: [String: Value], limits: RenderLimits, now: Date, timeZone: TimeZone) {
        self.limits = limits
        self.now = now
        self.timeZone = timeZone
        self.scopes = [variables]
        self.globals = makeGlobals()
    }

    func lookup(_ name: String) -> Value {
        for scope in scopes.reversed() {
            if let v = scope[name] { return v }
        }
        return globals[name] ?? .undefined("'\(name)' is undefined")
    }

    /// Appends to an output buffer, counting against ``RenderLimits/maxOutputBytes``.
    func write(_ text: String, into out: inout String) throws {
        bytesWritten += text.utf8.count
        guard bytesWritten <= limits.maxOutputBytes else {
            throw JinjaError(.limit, "output exceeds maxOutputBytes (\(limits.maxOutputBytes))")
        }
        if captureDepth == 1 { rootScalarCount += text.unicodeScalars.count }
        out += text
    }

    /// Runs statements into `out`; stops early at `break` or `continue`, returning which.
    func execute(_ body: [Stmt], into out: inout String) throws -> Flow {
        for stmt in body {
            do {
                let flow = try execute(stmt, into: &out)
                if flow != .normal { return flow }
            } catch let error as JinjaError {
                throw error.located(stmt.location)
            }
        }
        return .normal
    }

    private func execute(_ stmt: Stmt, into out: inout String) throws -> Flow {
        switch stmt.kind {
        case .text(let s): try write(s, into: &out)
        case .output(let e): try write(try evaluate(e).pythonString, into: &out)
        case .ifChain(let branches, let otherwise):
            for (condition, body) in branches where try evaluate(condition).isTruthy {
                return try execute(body, into: &out)
            }
            return try execute(otherwise, into: &out)
        case .forLoop(let loop): try runFor(loop, into: &out)
        case .set(let target, let e): try assign(target, try evaluate(e))
        case .setBlock(let target, let filters, let body):
            try assign(target, try applyFilters(filters, to: .string(try capture(body))))
        case .macro(let m): scopes[scopes.count - 1][m.name] = .function(makeMacro(m))
        case .callBlock(let call, let params, let body): try runCallBlock(call, params, body, into: &out)
        case .filterBlock(let filters, let body):
            try write(try applyFilters(filters, to: .string(try capture(body))).pythonString, into: &out)
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        case .generation(let body):
            // As transformers' AssistantTracker: start where the top-level output is now.
            let start = rootScalarCount
            let text = try capture(body)
            generationSpans.append(start..<start + text.unicodeScalars.count)
            try write(text, into: &out)
        }
        return .normal
    }

    /// Renders statements into a fresh string (for block `set`, `filter`, macros, `caller()`).
    func capture(_ body: [Stmt]) throws -> String {
        captureDepth += 1
        defer { captureDepth -= 1 }
        var text = ""
        _ = try execute(body, into: &text)
        return text
    }

    func applyFilters(_ filters: [FilterCall], to value: Value) throws -> Value {
        var v = value
        for f in filters {
            let args = try evaluateArguments(f.args, f.kwargs)
            do {
                v = try applyFilter(f.name, v, args)
            } catch let error as JinjaError {
                throw error.located(f.location)
            }
        }
        return v
    }

    func assign(_ target: Target, _ value: Value) throws {
        switch target {
        case .name(let n):
            scopes[scopes.count - 1][n] = value
        case .attribute(let n, let attr):
            guard case .namespace(let ns) = lookup(n) else {
                throw JinjaError(.runtime, "cannot assign attribute on non-namespace object")
            }
            try checkNamespaceName(attr)
            ns.attributes[attr] = value
        case .tuple(let targets):
            let items = try iterate(value)
            guard items.count == targets.count else {
                let problem = items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))"
                throw JinjaError(.runtime, "ValueError: " + problem)
            }
            for (t, v) in zip(targets, items) { try assign(t, v) }
        }
    }

    func countIteration() throws {
        iterations += 1
        guard iterations <= limits.maxLoopIterations else {
            throw JinjaError(.limit, "more than maxLoopIterations (\(limits.maxLoopIterations)) loop iterations")
        }
    }
}
