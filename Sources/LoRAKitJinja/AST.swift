// The parsed form of a template: statements that write output, and the expressions they evaluate.
// Every node keeps its source location so that a runtime error can say where it happened.

struct Expr: Sendable {
    indirect enum Kind: Sendable {
        case literal(Value)
        case name(String)
        case list([Expr])
        case tuple([Expr])
        case dict([(Expr, Expr)])
        case attribute(Expr, String)
        case item(Expr, Expr)
        case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
        case call(Expr, [Expr], [(String, Expr)])
        case filter(Expr, name: String, [Expr], [(String, Expr)])
        case test(Expr, name: String, [Expr], negated: Bool)
        case unary(String, Expr)
        case binary(String, Expr, Expr)
        /// A comparison chain such as `a < b < c`, with operators `==`, `in`, `notin`, ….
        case compare(Expr, [(String, Expr)])
        case and(Expr, Expr)
        case or(Expr, Expr)
        case not(Expr)
        /// `then if condition else otherwise`; without `else` it is undefined when false.
        case conditional(condition: Expr, then: Expr, otherwise: Expr?)
        case concat([Expr])
    }

    let kind: Kind
    let location: SourceLocation
}

/// What `set` and `for` assign to.
indirect enum Target: Sendable {
    case name(String)
    case tuple([Target])
    /// `ns.attr`, which only a namespace accepts.
    case attribute(String, String)
}

/// A filter applied by `{% filter %}` or `{% set x | filter %}`.
struct FilterCall: Sendable {
    let name: String
    let args: [Expr]
    let kwargs: [(String, Expr)]
    let location: SourceLocation
}

struct MacroDefinition: Sendable {
    let name: String
    let parameters: [(String, Expr?)]
    let body: [Stmt]
}

struct Stmt: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        case output(Expr)
        case ifChain([(Expr, [Stmt])], otherwise: [Stmt])
        case forLoop(ForLoop)
        case set(Target, Expr)
        case setBlock(Target, [FilterCall], [Stmt])
        case macro(MacroDefinition)
        /// `{% call(params) macro(args) %}body{% endcall %}`: body becomes `caller()`.
        case callBlock(Expr, callerParameters: [(String, Expr?)], [Stmt])
        case filterBlock([FilterCall], [Stmt])
        case breakLoop
        case continueLoop
        /// `{% generation %}`: renders its body and records where that output went.
        case generation([Stmt])
    }

    let kind: Kind
    let location: SourceLocation
}

struct ForLoop: Sendable {
    let target: Target
    let iterable: Expr
    let condition: Expr?
    let body: [Stmt]
    let otherwise: [Stmt]
}
