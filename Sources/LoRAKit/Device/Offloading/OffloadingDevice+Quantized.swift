import LoRAKitGGUF

// The LoRA, NF4 and GGUF families, routed like the others (`OffloadingDevice.route`).
extension OffloadingDevice {
    public func dropout(_ x: DeviceBuffer, into out: DeviceBuffer, probability: Float, key: DropoutKey) throws {
        try route(.dropout, operands: [x, out], written: [out]) { try $0.dropout($1(x), into: $1(out), probability: probability, key: key) }
    }

    public func loraExpand(t: DeviceBuffer, b: DeviceBuffer, bias: DeviceBuffer?, scale: Float,
                           rows: Int, outFeatures: Int, rank: Int, into y: DeviceBuffer) throws {
        try route(.loraExpand, operands: [t, b, bias, y], written: [y]) { device, resolve in
            try device.loraExpand(t: resolve(t), b: resolve(b), bias: bias.map(resolve), scale: scale, rows: rows,
                                  outFeatures: outFeatures, rank: rank, into: resolve(y))
        }
    }

    public func loraMerge(into weight: DeviceBuffer, b: DeviceBuffer, a: DeviceBuffer, scale: Float,
                          outFeatures: Int, inFeatures: Int, rank: Int) throws {
        try route(.loraMerge, operands: [weight, b, a], written: [weight]) {
            try $0.loraMerge(into: $1(weight), b: $1(b), a: $1(a), scale: scale, outFeatures: outFeatures,
                             inFeatures: inFeatures, rank: rank)
        }
    }

    public func nf4DequantizeAbsmax(codes: DeviceBuffer, map: DeviceBuffer, scales: DeviceBuffer, offset: Float,
                                    nestedBlockSize: Int, into absmax: DeviceBuffer) throws {
        try route(.nf4DequantizeAbsmax, operands: [codes, map, scales, absmax], written: [absmax]) {
            try $0.nf4DequantizeAbsmax(codes: $1(codes), map: $1(map), scales: $1(scales), offset: offset,
                                       nestedBlockSize: nestedBlockSize, into: $1(absmax))
        }
    }

    public func nf4Dequantize(packed: DeviceBuffer, absmax: DeviceBuffer, blockSize: Int, count: Int, into out: DeviceBuffer) throws {
        try route(.nf4Dequantize, operands: [packed, absmax, out], written: [out]) {
            try $0.nf4Dequantize(packed: $1(packed), absmax: $1(absmax), blockSize: blockSize, count: count, into: $1(out))
        }
    }

    public func nf4Quantize(_ values: DeviceBuffer, blockSize: Int, packed: DeviceBuffer, absmax: DeviceBuffer) throws {
        try route(.nf4Quantize, operands: [values, packed, absmax], written: [packed, absmax]) {
            try $0.nf4Quantize($1(values), blockSize: blockSize, packed: $1(packed), absmax: $1(absmax))
        }
    }

    public func ggufDequantize(_ type: GGMLType, packed: DeviceBuffer, count: Int, into out: DeviceBuffer) throws {
        try route(.ggufDequantize, operands: [packed, out], written: [out]) {
            try $0.ggufDequantize(type, packed: $1(packed), count: count, into: $1(out))
        }
    }
}
