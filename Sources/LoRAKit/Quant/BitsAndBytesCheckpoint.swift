import Foundation

/// The JSON that bitsandbytes stores as `<name>.quant_state.bitsandbytes__nf4` (U8 bytes).
struct BitsAndBytesQuantState: Codable, Equatable {
    var quantType: String
    var blocksize: Int
    var dtype: String
    var shape: [Int]
    var nestedBlocksize: Int?
    var nestedDtype: String?
    var nestedOffset: Float?

    enum CodingKeys: String, CodingKey {
        case quantType = "quant_type", blocksize, dtype, shape
        case nestedBlocksize = "nested_blocksize", nestedDtype = "nested_dtype", nestedOffset = "nested_offset"
    }

    /// torch dtype names as bitsandbytes writes them.
    static let dtypes: [String: SafeTensorsDType] = ["float32": .f32, "float16": .f16, "bfloat16": .bf16]
}

/// Reads and writes NF4 tensors exactly as transformers serializes a bitsandbytes 4-bit Linear
/// weight: `<name>` (packed U8 [⌈n/2⌉, 1]), `<name>.absmax` (F32, or U8 when nested),
/// `<name>.quant_map` (16 × F32), `<name>.nested_absmax`, `<name>.nested_quant_map`
/// (256 × F32) and `<name>.quant_state.bitsandbytes__nf4` (the JSON state as U8 bytes).
public enum BitsAndBytesCheckpoint {
    static let stateSuffix = ".quant_state.bitsandbytes__nf4"

    /// True when `file` holds a bitsandbytes 4-bit tensor called `name`.
    public static func isQuantized(_ name: String, in file: SafeTensorsFile) -> Bool {
        file.contains(name + stateSuffix) || file.tensors.contains { $0.name.hasPrefix(name + ".quant_state.bitsandbytes__") }
    }

    /// The logical shape of the bitsandbytes tensor `name`, from its quant state alone (no data read).
    public static func logicalShape(of name: String, in file: SafeTensorsFile) throws -> [Int] {
        guard let stateName = file.tensors.first(where: { $0.name.hasPrefix(name + ".quant_state.bitsandbytes__") })?.name else {
            throw SafeTensorsError.invalidTensor(file: file.path, tensor: name, detail: "no quant_state entry; not a bitsandbytes 4-bit tensor")
        }
        guard let state = try? JSONDecoder().decode(BitsAndBytesQuantState.self, from: Data(try file.uint8s(stateName))) else {
            throw SafeTensorsError.invalidTensor(file: file.path, tensor: name, detail: "quant state JSON is malformed")
        }
        return state.shape
    }

    /// Loads the NF4 tensor `name` (e.g. `model.layers.0.self_attn.q_proj.weight`), checking that
    /// every part agrees with the state's shape and block size.
    public static func load(_ name: String, from file: SafeTensorsFile) throws -> NF4Tensor {
        func fail(_ detail: String) -> SafeTensorsError { .invalidTensor(file: file.path, tensor: name, detail: detail) }
        guard let stateName = file.tensors.first(where: { $0.name.hasPrefix(name + ".quant_state.bitsandbytes__") })?.name else {
            throw fail("no quant_state entry; not a bitsandbytes 4-bit tensor")
        }
        let quantType = String(stateName.dropFirst((name + ".quant_state.bitsandbytes__").count))
        guard quantType == "nf4" else { throw fail("quant_type '\(quantType)' is not supported (only nf4)") }
        let state: BitsAndBytesQuantState
        do {
            state = try JSONDecoder().decode(BitsAndBytesQuantState.self, from: Data(try file.uint8s(stateName)))
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw fail("quant state JSON is malformed (\(error))")
        }
        guard state.quantType == "nf4" else { throw fail("quant_type '\(state.quantType)' is not supported (only nf4)") }
        guard let dtype = BitsAndBytesQuantState.dtypes[state.dtype] else {
            throw fail("quant state dtype '\(state.dtype)' is not float32, float16 or bfloat16")
        }
        guard let count = TensorShape.elementCount(state.shape) else {
            throw fail("quant state shape \(state.shape) has a negative dimension or more elements than memory can address")
        }
        let packedInfo = try file.info(name)
        guard packedInfo.dtype == .u8 else { throw fail("packed weight is \(packedInfo.dtype.rawValue), expected U8") }
        guard packedInfo.elementCount == count / 2 + count % 2 else {
            throw fail("packed weight has \(packedInfo.elementCount) bytes but the state's shape \(state.shape) needs \(count / 2 + count % 2)")
        }
        let quantMap = try file.floats(name + ".quant_map")
        guard quantMap == NF4Codebook.values else { throw fail("quant_map is not the NF4 code book") }
        let absmaxName = name + ".absmax"
        let absmax: NF4Tensor.Absmax
        if let nestedBlockSize = state.nestedBlocksize {
            guard let offset = state.nestedOffset else { throw fail("nested state without nested_offset") }
            guard nestedBlockSize >= 1 else { throw fail("nested_blocksize \(nestedBlockSize) must be positive") }
            absmax = .doubleQuantized(DoubleQuantizedAbsmax(
                codes: try file.uint8s(absmaxName), scales: try file.floats(name + ".nested_absmax"), offset: offset,
                map: try file.floats(name + ".nested_quant_map"), blockSize: nestedBlockSize))
        } else {
            absmax = .plain(try file.floats(absmaxName))
        }
        do {
            return try NF4Tensor(shape: state.shape, blockSize: state.blocksize, packed: try file.uint8s(name),
                                 absmax: absmax, originalDType: dtype)
        } catch let error as QuantizationError {
            throw fail("\(error)")
        }
    }

    /// The tensors that represent `tensor` under `name` in a checkpoint, as transformers writes them.
    public static func tensors(for tensor: NF4Tensor, name: String) throws -> [SafeTensorsWriter.Tensor] {
        let dtypeName = BitsAndBytesQuantState.dtypes.first { $0.value == tensor.originalDType }!.key
        var state = BitsAndBytesQuantState(quantType: "nf4", blocksize: tensor.blockSize, dtype: dtypeName, shape: tensor.shape)
        var result = [
            SafeTensorsWriter.Tensor(name: name, dtype: .u8, shape: [tensor.packed.count, 1], bytes: Data(tensor.packed)),
            SafeTensorsWriter.Tensor(name: name + ".quant_map", shape: [16], floats: NF4Codebook.values),
        ]
        switch tensor.absmax {
        case .plain(let values):
            result.append(.init(name: name + ".absmax", shape: [values.count], floats: values))
        case .doubleQuantized(let nested):
            state.nestedBlocksize = nested.blockSize
            state.nestedDtype = "float32"
            state.nestedOffset = nested.offset
            result.append(.init(name: name + ".absmax", dtype: .u8, shape: [nested.codes.count], bytes: Data(nested.codes)))
            result.append(.init(name: name + ".nested_absmax", shape: [nested.scales.count], floats: nested.scales))
            result.append(.init(name: name + ".nested_quant_map", shape: [nested.map.count], floats: nested.map))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(state)
        result.append(.init(name: name + stateSuffix, dtype: .u8, shape: [json.count], bytes: json))
        return result
    }
}
