/// Problems with a model checkpoint, each naming the file and the field or tensor.
public enum ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidConfig(file: String, field: String, detail: String)
    case unsupportedModelType(file: String, modelType: String)
    case missingTensor(file: String, tensor: String)
    case tensorShape(file: String, tensor: String, expected: [Int], actual: [Int])
    case unexpectedTensor(file: String, tensor: String)
    case unknownTargetModule(module: String, available: [String])

    public var description: String {
        switch self {
        case let .invalidConfig(file, field, detail): return "\(file): field '\(field)': \(detail)"
        case let .unsupportedModelType(file, modelType):
            return "\(file): model_type '\(modelType)' is not supported (supported: \(ModelConfig.supportedModelTypes.joined(separator: ", ")))"
        case let .missingTensor(file, tensor): return "\(file): tensor '\(tensor)' is missing"
        case let .tensorShape(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' has shape \(actual) but config.json implies \(expected)"
        case let .unexpectedTensor(file, tensor): return "\(file): tensor '\(tensor)' is not part of this architecture"
        case let .unknownTargetModule(module, available):
            return "target module '\(module)' does not exist in this model; it has \(available.joined(separator: ", "))"
        }
    }
}
