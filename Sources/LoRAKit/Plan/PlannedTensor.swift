import LoRAKitGGUF

/// How a checkpoint stores one tensor, as far as its device memory depends on it.
enum StoredTensor: Equatable, Sendable {
    /// F32, F16 or BF16 values (a GGUF block tensor read as floats counts as F32).
    case dense(SafeTensorsDType)
    /// bitsandbytes NF4 as stored: the element counts of its packed codes, absmax values, and
    /// (when double-quantized) nested scales and code map.
    case nf4(packed: Int, absmax: Int, nestedScales: Int?, nestedMap: Int?)
    /// A GGUF block format, `bytes` as stored.
    case gguf(GGMLType, bytes: Int)
}

/// One tensor as `LlamaModel` puts it on a device (the rules of `CheckpointTensors`), and what a
/// GEMM that reads it allocates besides.
struct PlannedTensor: Equatable {
    enum Storage: Equatable {
        case dense(ElementType)
        case nf4(doubleQuantized: Bool)
        case gguf(GGMLType)
    }

    let storage: Storage
    let elements: Int
    let deviceBytes: Int
    /// Absmax values a double-quantized NF4 weight dequantizes into a transient float32 buffer
    /// before each expansion; 0 otherwise.
    let absmaxTransient: Int
    /// Elements per row (the in-features of a matrix); set by `PlannedWeights`.
    var columns = 1

    /// NF4 and GGUF weights are expanded into the shared float32 scratch for their GEMMs.
    var readsScratch: Bool {
        if case .dense = storage { return false }
        return true
    }

    /// Float32 elements of the shared scratch a GEMM over this weight needs: a packed weight
    /// expands whole; a float16 or bfloat16 one widens whole rows at a time, at most
    /// `widenBlockElements` (at least one row; `FrozenWeight.multiply`); float32 needs none.
    func scratchElements(widenBlockElements: Int) -> Int {
        switch storage {
        case .dense(.float32): return 0
        case .dense: return min(elements, max(1, widenBlockElements / max(1, columns)) * columns)
        case .nf4, .gguf: return elements
        }
    }

    /// What a stored dense tensor becomes on the device when it stays frozen: float16 and
    /// bfloat16 stay 16-bit, float32 stays float32. Every trained tensor is float32.
    static func frozenDenseType(_ stored: SafeTensorsDType, fullParameter: Bool) -> ElementType {
        guard !fullParameter else { return .float32 }
        return stored == .f16 ? .float16 : stored == .bf16 ? .bfloat16 : .float32
    }

    static func dense(_ type: ElementType, elements: Int) -> PlannedTensor {
        PlannedTensor(storage: .dense(type), elements: elements, deviceBytes: elements * type.byteSize, absmaxTransient: 0)
    }

    /// NF4 quantized on load: blocks of 64, absmax double-quantized in blocks of 256 with a
    /// 256-value code map (`NF4Codec.quantize`'s defaults).
    static func quantizedOnLoad(elements: Int) -> PlannedTensor {
        let blocks = (elements + 63) / 64
        let bytes = (elements + 1) / 2 + blocks + NF4Codebook.dynamicMap.count * 4 + (blocks + 255) / 256 * 4
        return PlannedTensor(storage: .nf4(doubleQuantized: true), elements: elements, deviceBytes: bytes, absmaxTransient: blocks)
    }

    /// A bitsandbytes NF4 tensor uploaded as stored (`NF4Weight`): codes, then float32 absmax or
    /// uint8 absmax codes with float32 nested scales and map.
    static func storedNF4(elements: Int, packed: Int, absmax: Int, nestedScales: Int?, nestedMap: Int?) -> PlannedTensor {
        guard let nestedScales, let nestedMap else {
            return PlannedTensor(storage: .nf4(doubleQuantized: false), elements: elements, deviceBytes: packed + absmax * 4, absmaxTransient: 0)
        }
        return PlannedTensor(storage: .nf4(doubleQuantized: true), elements: elements,
                             deviceBytes: packed + absmax + nestedScales * 4 + nestedMap * 4, absmaxTransient: absmax)
    }

    /// How the storage reads in a table: "float32", "NF4", "GGUF Q4_K".
    var storageName: String {
        switch storage {
        case .dense(let type): return "\(type)"
        case .nf4(let nested): return nested ? "NF4 (double-quantized absmax)" : "NF4"
        case .gguf(let type): return "GGUF \(type)"
        }
    }
}
