// A check after parsing that mirrors jinja2's compiler: a filter or test name it does not know is a
// load-time error — except in "soft" places (an `if` test and the statements directly in its
// branches, and inside a conditional expression), where jinja2 defers the error until the filter
// is actually used, so that `{% if 'x' is filter %}{{ v | x }}{% endif %}` can load.

/// jinja2's built-in filters (plus transformers' tojson); a name outside this set is unknown to jinja2.
let jinjaFilterNames: Set<String> = [
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join",
    "last", "length", "list", "lower", "map", "max", "min", "pprint", "random", "reject", "rejectattr", "replace",
    "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title",
    "tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
]

enum Validation {
    static func check(_ body: [Stmt], soft: Bool) throws {
        for stmt in body { try check(stmt, soft: soft) }
    }

    private static func check(_ stmt: Stmt, soft: Bool) throws {
        switch stmt.kind {
        case .text, .breakLoop, .continueLoop: return
        case .output(let e): try check(e, soft: soft)
        case .ifChain(let branches, let otherwise):
            // An if's test and branches are soft; loops and macros inside them are not (inner frames).
            for (condition, branch) in branches {
                try check(condition, soft: true)
                try check(branch, soft: true)
            }
            try check(otherwise, soft: true)
        case .forLoop(let loop):
            try check(loop.iterable, soft: soft)
            if let condition = loop.condition { try check(condition, soft: false) }
            try check(loop.body, soft: false)
            try check(loop.otherwise, soft: false)
        case .set(_, let e): try check(e, soft: soft)
        case .setBlock(_, let filters, let body), .filterBlock(let filters, let body):
            for f in filters { try checkFilter(f.name, f.location, soft: soft) }
            try check(body, soft: false)
        case .macro(let m):
            for case let (_, d?) in m.parameters { try check(d, soft: false) }
            try check(m.body, soft: false)
        case .callBlock(let call, _, let body):
            try check(call, soft: soft)
            try check(body, soft: false)
        case .generation(let body): try check(body, soft: false)
        }
    }

    private static func check(_ expr: Expr, soft: Bool) throws {
        switch expr.kind {
        case .literal, .name: return
        case .list(let items), .tuple(let items), .concat(let items): for i in items { try check(i, soft: soft) }
        case .dict(let pairs):
            for (k, v) in pairs {
                try check(k, soft: soft)
                try check(v, soft: soft)
            }
        case .attribute(let e, _), .unary(_, let e), .not(let e): try check(e, soft: soft)
        case .item(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            try check(a, soft: soft)
            try check(b, soft: soft)
        case .slice(let e, let start, let stop, let step):
            for part in [e, start, stop, step].compactMap({ $0 }) { try check(part, soft: soft) }
        case .call(let callee, let args, let kwargs):
            for part in [callee] + args + kwargs.map(\.1) { try check(part, soft: soft) }
        case .filter(let subject, let name, let args, let kwargs):
            try checkFilter(name, expr.location, soft: soft)
            for part in [subject] + args + kwargs.map(\.1) { try check(part, soft: soft) }
        case .test(let subject, let name, let args, _):
            if !soft, !knownTestNames.contains(name) {
                throw JinjaError(.syntax, "No test named '\(name)'.", at: expr.location)
            }
            for part in [subject] + args { try check(part, soft: soft) }
        case .compare(let first, let ops):
            for part in [first] + ops.map(\.1) { try check(part, soft: soft) }
        case .conditional(let condition, let then, let otherwise):
            for part in [condition, then, otherwise].compactMap({ $0 }) { try check(part, soft: true) }
        }
    }

    private static func checkFilter(_ name: String, _ location: SourceLocation, soft: Bool) throws {
        guard !soft, !jinjaFilterNames.contains(name) else { return }
        throw JinjaError(.syntax, "No filter named '\(name)'.", at: location)
    }
}
