// The transformer family, routed like the others (`OffloadingDevice.route`).
extension OffloadingDevice {
    public func rmsNorm(_ x: DeviceBuffer, weight: DeviceBuffer, epsilon: Float, rows: Int, columns: Int,
                        into y: DeviceBuffer, rstd: DeviceBuffer) throws {
        try route(.rmsNorm, operands: [x, weight, y, rstd], written: [y, rstd]) {
            try $0.rmsNorm($1(x), weight: $1(weight), epsilon: epsilon, rows: rows, columns: columns, into: $1(y), rstd: $1(rstd))
        }
    }

    public func rmsNormBackward(_ dy: DeviceBuffer, x: DeviceBuffer, weight: DeviceBuffer, rstd: DeviceBuffer, rows: Int,
                                columns: Int, into dx: DeviceBuffer, update: GradientUpdate) throws {
        try route(.rmsNormBackward, operands: [dy, x, weight, rstd, dx], written: [dx]) {
            try $0.rmsNormBackward($1(dy), x: $1(x), weight: $1(weight), rstd: $1(rstd), rows: rows, columns: columns,
                                   into: $1(dx), update: update)
        }
    }

    public func rmsNormWeightGradient(_ dy: DeviceBuffer, x: DeviceBuffer, rstd: DeviceBuffer, rows: Int, columns: Int,
                                      into dw: DeviceBuffer, update: GradientUpdate) throws {
        try route(.rmsNormWeightGradient, operands: [dy, x, rstd, dw], written: [dw]) {
            try $0.rmsNormWeightGradient($1(dy), x: $1(x), rstd: $1(rstd), rows: rows, columns: columns, into: $1(dw), update: update)
        }
    }

    public func swiglu(gate: DeviceBuffer, up: DeviceBuffer, into out: DeviceBuffer) throws {
        try route(.swiglu, operands: [gate, up, out], written: [out]) { try $0.swiglu(gate: $1(gate), up: $1(up), into: $1(out)) }
    }

    public func swigluBackward(_ dOut: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, gateGradient: DeviceBuffer,
                               upGradient: DeviceBuffer) throws {
        try route(.swigluBackward, operands: [dOut, gate, up, gateGradient, upGradient], written: [gateGradient, upGradient]) {
            try $0.swigluBackward($1(dOut), gate: $1(gate), up: $1(up), gateGradient: $1(gateGradient), upGradient: $1(upGradient))
        }
    }

    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, sequenceLength: Int,
                     inverseFrequencies: DeviceBuffer, inverse: Bool, positionOffset: Int) throws {
        try route(.rope, operands: [x, inverseFrequencies], written: [x]) {
            try $0.rope($1(x), rows: rows, heads: heads, headDimension: headDimension, sequenceLength: sequenceLength,
                        inverseFrequencies: $1(inverseFrequencies), inverse: inverse, positionOffset: positionOffset)
        }
    }

    public func rope(_ x: DeviceBuffer, rows: Int, heads: Int, headDimension: Int, positions: DeviceBuffer,
                     inverseFrequencies: DeviceBuffer, inverse: Bool) throws {
        try route(.ropeAtPositions, operands: [x, positions, inverseFrequencies], written: [x]) {
            try $0.rope($1(x), rows: rows, heads: heads, headDimension: headDimension, positions: $1(positions),
                        inverseFrequencies: $1(inverseFrequencies), inverse: inverse)
        }
    }
}
