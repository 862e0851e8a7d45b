/// The frozen base weight of a `LoRALinear`, out×in: dense (float32 or float16 storage) or NF4.
public enum FrozenWeight {
    case dense(DeviceBuffer)
    case nf4(NF4Weight)

    public var device: any Device {
        switch self {
        case .dense(let buffer): return buffer.device
        case .nf4(let weight): return weight.device
        }
    }

    public var label: String {
        switch self {
        case .dense(let buffer): return buffer.label
        case .nf4(let weight): return weight.label
        }
    }

    public var elementCount: Int {
        switch self {
        case .dense(let buffer): return buffer.count
        case .nf4(let weight): return weight.elementCount
        }
    }

    /// Bytes the weight itself occupies on its device.
    public var deviceBytes: Int {
        switch self {
        case .dense(let buffer): return buffer.byteCount
        case .nf4(let weight): return weight.deviceBytes
        }
    }
}
