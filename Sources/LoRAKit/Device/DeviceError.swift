import Foundation

/// The one error type of the device layer. Each case says which call or operation failed and why,
/// with OpenCL and CLBlast statuses by name and, for program builds, the compiler's log.
public enum DeviceError: Error, CustomStringConvertible, Sendable {
    /// An OpenCL API call returned a non-success status.
    case openCL(call: String, status: Int32)
    /// A CLBlast routine returned a non-success status.
    case clblast(call: String, status: Int32)
    /// An OpenCL program failed to compile; `log` is the device compiler's build log.
    case programBuild(program: String, device: String, options: String, log: String)
    /// A kernel file was not found among the embedded kernels or in the override folder.
    case kernelSourceMissing(program: String, searched: String)
    /// An allocation did not fit. `limit` names what it exceeded.
    case outOfMemory(device: String, label: String, requestedBytes: Int, inUseBytes: Int, limitBytes: Int, limit: String)
    /// Operand shapes, counts, leading dimensions or offsets do not fit together.
    case invalidShape(operation: String, detail: String)
    /// A scalar argument is out of its range (a probability outside [0, 1), a rank of 0).
    case invalidArgument(operation: String, detail: String)
    /// An operand has the wrong element type.
    case typeMismatch(operation: String, operand: String, expected: ElementType, actual: ElementType)
    /// An operand lives on another device.
    case wrongDevice(operation: String, operand: String, expected: String, actual: String)
    /// A device specifier (API or `LORAKIT_DEVICE`) matched no device.
    case unknownDevice(specifier: String, available: [String])
    /// The device does not implement the operation (`Device.supports` says false); run it
    /// through `OffloadingDevice`, which hands it to another device.
    case unsupportedOperation(operation: DeviceOperation, device: String)

    public static func unsupported(_ operation: DeviceOperation, on device: String) -> DeviceError {
        .unsupportedOperation(operation: operation, device: device)
    }

    public var description: String {
        switch self {
        case let .openCL(call, status):
            return "\(call) failed: \(OpenCLStatus.name(status)) (\(status))"
        case let .clblast(call, status):
            return "\(call) failed: \(CLBlastStatus.name(status)) (\(status))"
        case let .programBuild(program, device, options, log):
            return "OpenCL program '\(program)' failed to build on \(device) with options '\(options)'. Build log:\n\(log)"
        case let .kernelSourceMissing(program, searched):
            return "kernel source '\(program).cl' not found (searched: \(searched))"
        case let .outOfMemory(device, label, requested, inUse, limitBytes, limit):
            return "out of memory on \(device): allocation '\(label)' of \(ByteCount.format(requested)) "
                + "(\(requested) bytes) does not fit: \(ByteCount.format(inUse)) already in use, "
                + "\(limit) is \(ByteCount.format(limitBytes))"
        case let .invalidShape(operation, detail):
            return "\(operation): invalid shape: \(detail)"
        case let .invalidArgument(operation, detail):
            return "\(operation): invalid argument: \(detail)"
        case let .typeMismatch(operation, operand, expected, actual):
            return "\(operation): operand \(operand) has element type \(actual), expected \(expected)"
        case let .wrongDevice(operation, operand, expected, actual):
            return "\(operation): operand \(operand) lives on \(actual), not on \(expected); copy it explicitly first"
        case let .unknownDevice(specifier, available):
            return "no device matches '\(specifier)'. Use 'host', 'opencl', 'opencl:<platform>:<device>' "
                + "or 'opencl:<text in the device name, vendor or platform>'. Available:\n"
                + available.map { "  \($0)" }.joined(separator: "\n")
        case let .unsupportedOperation(operation, device):
            return "\(operation): \(device) does not run this operation; wrap it in OffloadingDevice to run it on another device"
        }
    }
}

/// Human-readable byte counts (binary units) for messages and tables.
public enum ByteCount {
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
