// Python dict methods that templates call: `d.items()`, `d.keys()`, `d.values()`, `d.get(k, default)`.
// items/keys/values return dict views, which iterate like lists but print as `dict_items([...])`.

extension Evaluator {
    func dictMethod(_ d: OrderedDict, _ name: String) -> Callable? {
        switch name {
        case "items":
            let pairs = d.pairs.map { Value.tuple([$0.key, $0.value]) }
            return Callable(name: "dict.items") { _ in .lazy(LazySequence(.dictItems, pairs)) }
        case "keys": return Callable(name: "dict.keys") { _ in .lazy(LazySequence(.dictKeys, d.keys)) }
        case "values": return Callable(name: "dict.values") { _ in .lazy(LazySequence(.dictValues, d.values)) }
        case "get":
            return Callable(name: "dict.get") { args in
                guard let key = args.value("key", at: 0) else {
                    throw typeError("get expected at least 1 argument, got 0")
                }
                return d[key] ?? args.value("default", at: 1) ?? Value.none
            }
        default: return nil
        }
    }
}
