/// The frozen base weight of a `LoRALinear`, out×in: dense (float32 or float16 storage), NF4,
/// or a llama.cpp block format from a GGUF file.
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
    /// Runs `body` (which enqueues GEMMs reading the weight) with the weight as float32: a
    /// float32 weight itself; a float16 one widened into a transient buffer; an NF4 or GGUF one
    /// expanded into `scratch`, held for the duration of `body`.
    func withFloat32(scratch: DequantizationScratch, _ body: (DeviceBuffer) throws -> Void) throws {
        switch self {
        case .dense(let buffer) where buffer.elementType == .float32:
            try body(buffer)
        case .dense(let buffer):
            // convert() needs equal counts, so a float16 weight widens into its own transient buffer.
            let widened = try buffer.device.makeBuffer(.float32, count: buffer.count, label: "\(buffer.label) as float32")
            try buffer.device.convert(buffer, into: widened)
            try body(widened)
        case .nf4(let weight):
            try scratch.withFloat32(count: weight.elementCount) { expanded in
                try weight.dequantize(into: expanded)
                try body(expanded)
            }
        case .gguf(let weight):
            try scratch.withFloat32(count: weight.elementCount) { expanded in
                try weight.dequantize(into: expanded)
                try body(expanded)
            }
        }
    }
}
