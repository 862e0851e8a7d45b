import Foundation
import LoRAKit

/// A host copy of one device buffer, in the buffer's own element type, so that 16-bit and
/// integer outputs are compared as stored (bit for bit) and not after a conversion.
enum OpArray: Equatable {
    case float32([Float])
    case float16([Float16])
    case bfloat16([BFloat16])
    case uint8([UInt8])
    case int32([Int32])

    /// Downloads all of `buffer` (waiting for the work queued before it).
    init(downloading buffer: DeviceBuffer) throws {
        switch buffer.elementType {
        case .float32: self = .float32(try buffer.download())
        case .float16: self = .float16(try buffer.download())
        case .bfloat16: self = .bfloat16(try buffer.download())
        case .uint8: self = .uint8(try buffer.download())
        case .int32: self = .int32(try buffer.download())
        }
    }

    var count: Int {
        switch self {
        case .float32(let v): return v.count
        case .float16(let v): return v.count
        case .bfloat16(let v): return v.count
        case .uint8(let v): return v.count
        case .int32(let v): return v.count
        }
    }

    var typeName: String {
        switch self {
        case .float32: return "float32"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .uint8: return "uint8"
        case .int32: return "int32"
        }
    }

    /// Element i's value, exactly (every stored type widens exactly to Double).
    func value(_ i: Int) -> Double {
        switch self {
        case .float32(let v): return Double(v[i])
        case .float16(let v): return Double(v[i])
        case .bfloat16(let v): return Double(Float(v[i]))
        case .uint8(let v): return Double(v[i])
        case .int32(let v): return Double(v[i])
        }
    }

    /// Element i's stored bits.
    func bits(_ i: Int) -> UInt32 {
        switch self {
        case .float32(let v): return v[i].bitPattern
        case .float16(let v): return UInt32(v[i].bitPattern)
        case .bfloat16(let v): return UInt32(v[i].bitPattern)
        case .uint8(let v): return UInt32(v[i])
        case .int32(let v): return UInt32(bitPattern: v[i])
        }
    }

    /// Element i as a message shows it: the value, and the bits where they say more.
    func describe(_ i: Int) -> String {
        switch self {
        case .uint8, .int32: return "\(Int(value(i)))"
        default: return "\(value(i)) (0x\(String(bits(i), radix: 16)))"
        }
    }
}

/// Every named buffer downloaded, as a `run` closure returns its outputs.
func downloadOutputs(_ buffers: KeyValuePairs<String, DeviceBuffer>) throws -> [String: OpArray] {
    var outputs: [String: OpArray] = [:]
    for (name, buffer) in buffers { outputs[name] = try OpArray(downloading: buffer) }
    return outputs
}

extension OpArray {
    /// A buffer on `device` holding these values in their own element type.
    func upload(to device: any Device, label: String) throws -> DeviceBuffer {
        switch self {
        case .float32(let v): return try device.makeBuffer(v, label: label)
        case .float16(let v): return try device.makeBuffer(v, label: label)
        case .bfloat16(let v): return try device.makeBuffer(v, label: label)
        case .uint8(let v): return try device.makeBuffer(v, label: label)
        case .int32(let v): return try device.makeBuffer(v, label: label)
        }
    }
}
