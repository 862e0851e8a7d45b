import Foundation

/// `model.safetensors.index.json`: the map from tensor names to the shard files of a sharded
/// checkpoint. The shard names come from inside a file, so they may name only files of the
/// model's own folder.
public enum SafeTensorsIndex {
    public static let fileName = "model.safetensors.index.json"

    /// The distinct shard file names of an index file's bytes, sorted; `path` names it in errors.
    public static func shardNames(_ data: Data, path: String) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let weightMap = object["weight_map"] as? [String: String] else {
            throw SafeTensorsError.invalidIndex(file: path, field: "weight_map", detail: "missing, or not a map of tensor names to files")
        }
        let shards = Set(weightMap.values)
        for shard in shards where shard.isEmpty || shard.hasPrefix("/") || shard.split(separator: "/").contains("..") {
            throw SafeTensorsError.invalidIndex(file: path, field: "weight_map",
                                                detail: "shard '\(shard)' is not a file inside the model folder (absolute paths and '..' are refused)")
        }
        return shards.sorted()
    }
}
