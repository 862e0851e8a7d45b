/// What is wrong with a safetensors file, always naming the file (and the tensor where there is one).
public enum SafeTensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(file: String, reason: String)
    case truncated(file: String, detail: String)
    case invalidHeader(file: String, detail: String)
    case invalidTensor(file: String, tensor: String, detail: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case layout(file: String, detail: String)
    case missingTensor(file: String, tensor: String)
    case wrongType(file: String, tensor: String, dtype: SafeTensorsDType, expected: String)
    case writeFailed(file: String, reason: String)
    /// A sharded checkpoint's index (`model.safetensors.index.json`) is unusable.
    case invalidIndex(file: String, field: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .truncated(file, detail): return "\(file): truncated safetensors file: \(detail)"
        case let .invalidHeader(file, detail): return "\(file): invalid safetensors header: \(detail)"
        case let .invalidTensor(file, tensor, detail): return "\(file): tensor '\(tensor)': \(detail)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has unknown dtype '\(dtype)' (known: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .layout(file, detail): return "\(file): invalid safetensors data layout: \(detail)"
        case let .missingTensor(file, tensor): return "\(file): no tensor named '\(tensor)'"
        case let .wrongType(file, tensor, dtype, expected): return "\(file): tensor '\(tensor)' is \(dtype.rawValue), expected \(expected)"
        case let .writeFailed(file, reason): return "\(file): cannot write: \(reason)"
        case let .invalidIndex(file, field, detail): return "\(file): field '\(field)': \(detail)"
        }
    }
}
