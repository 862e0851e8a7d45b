/// The frozen base weight of a `LoRALinear`, out×in: dense (float32, float16 or bfloat16
/// storage), NF4, or a llama.cpp block format from a GGUF file.
public enum FrozenWeight {
    case dense(DeviceBuffer)
    case nf4(NF4Weight)
    case gguf(GGUFWeight)

    public var device: any Device {
        switch self {
        case .dense(let buffer): return buffer.device
        case .nf4(let weight): return weight.device
        case .gguf(let weight): return weight.device
        }
    }

    public var label: String {
        switch self {
        case .dense(let buffer): return buffer.label
        case .nf4(let weight): return weight.label
        case .gguf(let weight): return weight.label
        }
    }

    public var elementCount: Int {
        switch self {
        case .dense(let buffer): return buffer.count
        case .nf4(let weight): return weight.elementCount
        case .gguf(let weight): return weight.elementCount
        }
    }

    /// What the weight is stored as, for messages: "float32", "NF4", "GGUF Q4_K".
    var storageName: String {
        switch self {
        case .dense(let buffer): return "\(buffer.elementType)"
        case .nf4: return "NF4"
        case .gguf(let weight): return "GGUF \(weight.type)"
        }
    }

    /// Bytes the weight itself occupies on its device.
    public var deviceBytes: Int {
        switch self {
        case .dense(let buffer): return buffer.byteCount
        case .nf4(let weight): return weight.deviceBytes
        case .gguf(let weight): return weight.deviceBytes
        }
    }
}

extension FrozenWeight {
    /// Throws unless a dense weight is float32, float16 or bfloat16, the storage the products read.
    func checkStorage() throws {
        guard case .dense(let buffer) = self, ![.float32, .float16, .bfloat16].contains(buffer.elementType) else { return }
        throw LoRAError.invalidInput("base weight \(buffer) must be float32, float16 or bfloat16, not \(buffer.elementType)")
    }
}
