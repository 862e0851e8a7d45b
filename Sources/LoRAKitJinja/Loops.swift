// `{% for %}` with jinja2's `loop` variable, its `if` filter, `else`, break and continue.

extension Evaluator {
    func runFor(_ loop: ForLoop, into out: inout String) throws {
        let all = try iterate(try evaluate(loop.iterable))
        scopes.append([:])
        defer { scopes.removeLast() }
        // The `if` filter runs first, so loop.index and loop.length count only the kept items.
        var items: [Value] = []
        for item in all {
            guard let condition = loop.condition else {
                items = all
                break
            }
            try countIteration()
            try assign(loop.target, item)
            if try evaluate(condition).isTruthy { items.append(item) }
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, into: &out)
            return
        }
        for (i, item) in items.enumerated() {
            try countIteration()
            // Each iteration starts afresh: a `set` in one is not seen by the next (jinja2 scoping).
            scopes[scopes.count - 1] = [:]
            try assign(loop.target, item)
            scopes[scopes.count - 1]["loop"] = loopValue(index: i, items: items)
            if try execute(loop.body, into: &out) == .breakLoop { break }
        }
    }

    /// The `loop` object: index, index0, revindex, revindex0, first, last, length, previtem, nextitem, cycle.
    private func loopValue(index i: Int, items: [Value]) -> Value {
        let n = items.count
        var d = OrderedDict()
        d["index"] = .int(i + 1)
        d["index0"] = .int(i)
        d["revindex"] = .int(n - i)
        d["revindex0"] = .int(n - i - 1)
        d["first"] = .bool(i == 0)
        d["last"] = .bool(i == n - 1)
        d["length"] = .int(n)
        d["depth"] = .int(1)
        d["depth0"] = .int(0)
        if i > 0 { d["previtem"] = items[i - 1] }
        if i + 1 < n { d["nextitem"] = items[i + 1] }
        d["cycle"] = .function(Callable(name: "loop.cycle") { args in
            guard !args.positional.isEmpty else { throw typeError("no items for cycling given") }
            return args.positional[i % args.positional.count]
        })
        return .dict(d)
    }
}
