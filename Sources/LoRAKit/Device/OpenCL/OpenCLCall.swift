import Foundation
import COpenCL

/// Throws `DeviceError.openCL` naming `call` unless `status` is CL_SUCCESS.
@inline(__always)
func checkCL(_ status: cl_int, _ call: @autoclosure () -> String) throws {
    if status != CL_SUCCESS { throw DeviceError.openCL(call: call(), status: status) }
}

/// Reads a string-valued device or platform property (two calls: size, then bytes).
func clInfoString(_ call: String, _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int) throws -> String {
    var size = 0
    try checkCL(query(0, nil, &size), call)
    var bytes = [CChar](repeating: 0, count: max(size, 1))
    try checkCL(bytes.withUnsafeMutableBytes { query(size, $0.baseAddress, nil) }, call)
    return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        .trimmingCharacters(in: .whitespaces)
}

/// Reads a fixed-size device property.
func clInfoValue<T: BitwiseCopyable>(_ type: T.Type, _ call: String,
                                     _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int) throws -> T {
    var value = [UInt8](repeating: 0, count: MemoryLayout<T>.size)
    try checkCL(value.withUnsafeMutableBytes { query(MemoryLayout<T>.size, $0.baseAddress, nil) }, call)
    return value.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
}
