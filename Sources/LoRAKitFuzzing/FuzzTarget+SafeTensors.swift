import Foundation
import LoRAKit

extension FuzzTarget {
    /// A whole safetensors file: header, offsets, then every tensor read as bytes and as floats.
    static let safeTensors = FuzzTarget(name: "safetensors", summary: "a .safetensors file (header, offsets, tensor data)") { data in
        let file = try SafeTensorsFile(data: data, path: "fuzz.safetensors")
        for info in file.tensors {
            _ = try file.bytes(info.name)
            _ = try? file.floats(info.name)
        }
    }

    /// model.safetensors.index.json: the shard names a sharded checkpoint refers to.
    static let safeTensorsIndex = FuzzTarget(name: "safetensors-index", summary: "a model.safetensors.index.json") { data in
        _ = try SafeTensorsIndex.shardNames(data, path: "fuzz/model.safetensors.index.json")
    }

    /// bitsandbytes' NF4 quant-state JSON, stored as U8 bytes beside a fixed 4×64 packed weight.
    /// The first input byte chooses the absmax layout (even: plain float32, odd: double-quantized),
    /// the rest is the JSON; a state that passes every check is dequantized.
    static let quantState = FuzzTarget(name: "quant-state", summary: "byte 0: absmax layout; then a bitsandbytes quant_state JSON") { data in
        guard let layout = data.first else { return }
        let file = try QuantStateFixture.file(state: data.dropFirst(), doubleQuantized: layout & 1 == 1)
        let tensor = try BitsAndBytesCheckpoint.load(QuantStateFixture.name, from: file)
        _ = NF4Codec.dequantize(tensor)
    }
}

/// The fixed tensors around the fuzzed quant state: a 4×64 weight in 64-element blocks.
enum QuantStateFixture {
    static let name = "w"
    static let elements = 256

    static func file(state: Data, doubleQuantized: Bool) throws -> SafeTensorsFile {
        var writer = SafeTensorsWriter()
        try writer.add(.init(name: name, dtype: .u8, shape: [elements / 2, 1], bytes: Data((0..<elements / 2).map { UInt8($0 & 0xFF) })))
        try writer.add(.init(name: name + ".quant_map", shape: [16], floats: NF4Codebook.values))
        try writer.add(.init(name: name + ".quant_state.bitsandbytes__nf4", dtype: .u8, shape: [state.count], bytes: Data(state)))
        let blocks = elements / 64
        if doubleQuantized {
            try writer.add(.init(name: name + ".absmax", dtype: .u8, shape: [blocks], bytes: Data((0..<blocks).map { UInt8(100 + $0) })))
            try writer.add(.init(name: name + ".nested_absmax", shape: [1], floats: [0.5]))
            try writer.add(.init(name: name + ".nested_quant_map", shape: [256], floats: NF4Codebook.dynamicMap))
        } else {
            try writer.add(.init(name: name + ".absmax", shape: [blocks], floats: (0..<blocks).map { Float($0 + 1) }))
        }
        return try SafeTensorsFile(data: try writer.serialized(), path: "fuzz.safetensors")
    }
}
