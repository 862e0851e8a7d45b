/// The keys and values (after RoPE) of the tokens a `LlamaModel` has decoded so far, per decoder
/// layer, so that each new token costs one token's work instead of rerunning the whole window.
/// Memory: 2·layers·capacity·kvHeads·headDimension floats (the bundled 3 M model at 1024
/// positions: 4 MiB).
public final class KeyValueCache {
    /// Most positions it holds; at most the model's max_position_embeddings.
    public let capacity: Int
    /// Tokens decoded so far (their positions are 0..<length).
    public internal(set) var length = 0
    let keys: [DeviceBuffer]
    let values: [DeviceBuffer]

    public init(for model: LlamaModel, capacity: Int? = nil) throws {
        let config = model.config
        let capacity = capacity ?? config.maxPositionEmbeddings
        guard capacity >= 1, capacity <= config.maxPositionEmbeddings else {
            throw ModelError.invalidConfig(file: "(cache)", field: "capacity",
                                           detail: "\(capacity) must be between 1 and max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        self.capacity = capacity
        let width = config.keyValueHeads * config.headDimension
        keys = try (0..<config.layerCount).map { try model.device.makeBuffer(.float32, count: capacity * width, label: "key cache \($0)") }
        values = try (0..<config.layerCount).map { try model.device.makeBuffer(.float32, count: capacity * width, label: "value cache \($0)") }
    }

    /// Forgets every token (the buffers are reused).
    public func reset() {
        length = 0
    }
}

extension LlamaModel {
    /// Runs `ids` (one sequence) as the next tokens after those in `cache`, adds their keys and
    /// values to it, and returns their logits (ids.count × vocabulary). The logits equal rows of a
    /// full forward over the whole sequence, up to float rounding.
    public func decode(_ ids: [Int32], cache: KeyValueCache) throws -> DeviceBuffer {
        guard !ids.isEmpty, cache.length + ids.count <= cache.capacity else {
            throw ModelError.invalidConfig(file: "(decode)", field: "ids",
                                           detail: "\(ids.count) new tokens do not fit the cache (\(cache.length) of \(cache.capacity) used)")
        }
        guard cache.keys.count == layers.count, cache.keys.first?.device === device else {
            throw ModelError.invalidConfig(file: "(decode)", field: "cache", detail: "the cache was made for another model or device")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabularySize }) {
            throw ModelError.invalidConfig(file: "(input)", field: "ids", detail: "token id \(bad) is outside the vocabulary of \(config.vocabularySize)")
        }
        var x = try embed(device.makeBuffer(ids, label: "ids"))
        for (index, layer) in layers.enumerated() {
            x = try layer.decode(x, rows: ids.count, position: cache.length, keys: cache.keys[index], values: cache.values[index], config: config)
        }
        cache.length += ids.count
        return try head(x, rows: ids.count)
    }
}
