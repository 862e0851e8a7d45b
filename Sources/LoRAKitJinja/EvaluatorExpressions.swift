// Evaluates expressions. `and`/`or` return one of their operands (as in Python) and short-circuit.

extension Evaluator {
    func evaluate(_ expr: Expr) throws -> Value {
        do {
            return try evaluateKind(expr.kind)
        } catch let error as JinjaError {
            throw error.located(expr.location)
        }
    }

    private func evaluateKind(_ kind: Expr.Kind) throws -> Value {
        switch kind {
        case .literal(let v): return v
        case .name(let n): return lookup(n)
        case .list(let items): return .array(try items.map(evaluate))
        case .tuple(let items): return .tuple(try items.map(evaluate))
        case .dict(let pairs):
            var d = OrderedDict()
            for (k, v) in pairs {
                let key = try evaluate(k)
                guard HashKey(key) != nil else { throw typeError("unhashable type: '\(key.typeName)'") }
                d[key] = try evaluate(v)
            }
            return .dict(d)
        case .attribute(let target, let name): return try attribute(of: try evaluate(target), name)
        case .item(let target, let index): return try item(of: try evaluate(target), try evaluate(index))
        case .slice(let target, let start, let stop, let step):
            return try slice(try evaluate(target), try start.map(evaluate), try stop.map(evaluate),
                             try step.map(evaluate))
        case .call(let callee, let args, let kwargs):
            return try callValue(try evaluate(callee), try evaluateArguments(args, kwargs))
        case .filter(let subject, let name, let args, let kwargs):
            return try applyFilter(name, try evaluate(subject), try evaluateArguments(args, kwargs))
        case .test(let subject, let name, let args, let negated):
            let result = try applyTest(name, try evaluate(subject), try args.map(evaluate))
            return .bool(result != negated)
        default:
            return try evaluateOperator(kind)
        }
    }

    private func evaluateOperator(_ kind: Expr.Kind) throws -> Value {
        switch kind {
        case .unary(let op, let operand):
            let v = try evaluate(operand).requireDefined()
            if let i = v.intValue {
                guard op == "+" || i != .min else { throw JinjaError(.runtime, "integer overflow in -(\(i))") }
                return .int(op == "-" ? -i : i)
            }
            if case .double(let d) = v { return .double(op == "-" ? -d : d) }
            throw typeError("bad operand type for unary \(op): '\(v.typeName)'")
        case .binary(let op, let left, let right):
            return try binaryOperation(op, try evaluate(left), try evaluate(right), limits: limits)
        case .compare(let first, let ops):
            var left = try evaluate(first)
            for (op, rightExpr) in ops {
                let right = try evaluate(rightExpr)
                guard try compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .and(let a, let b):
            let left = try evaluate(a)
            return left.isTruthy ? try evaluate(b) : left
        case .or(let a, let b):
            let left = try evaluate(a)
            return left.isTruthy ? left : try evaluate(b)
        case .not(let e): return .bool(!(try evaluate(e)).isTruthy)
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(then) }
            return try otherwise.map(evaluate) ?? .undefined("the inline if-expression evaluated to false"
                                                            + " and no else section was defined.")
        case .concat(let items):
            return .string(try items.map { try evaluate($0).pythonString }.joined())
        default:
            throw JinjaError(.runtime, "unsupported expression")
        }
    }

    func evaluateArguments(_ args: [Expr], _ kwargs: [(String, Expr)]) throws -> Arguments {
        Arguments(try args.map(evaluate), keywords: try kwargs.map { ($0.0, try evaluate($0.1)) })
    }

    func callValue(_ callee: Value, _ args: Arguments) throws -> Value {
        switch callee {
        case .function(let f): return try f(args)
        case .undefined(let what): throw undefinedError(what)
        default: throw typeError("'\(callee.typeName)' object is not callable")
        }
    }
}
