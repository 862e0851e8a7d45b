// Softmax, loss and embedding ops of the transformer family, routed like the others
// (`OffloadingDevice.route`).
extension OffloadingDevice {
    public func packedCausalSoftmax(_ scores: DeviceBuffer, groups: Int, length: Int, positions: DeviceBuffer, scale: Float,
                                    into probabilities: DeviceBuffer) throws {
        try route(.packedCausalSoftmax, operands: [scores, positions, probabilities], written: [probabilities]) {
            try $0.packedCausalSoftmax($1(scores), groups: groups, length: length, positions: $1(positions), scale: scale,
                                       into: $1(probabilities))
        }
    }

    public func causalSoftmax(_ scores: DeviceBuffer, groups: Int, rows: Int, columns: Int, scale: Float,
                              into probabilities: DeviceBuffer) throws {
        try route(.causalSoftmax, operands: [scores, probabilities], written: [probabilities]) {
            try $0.causalSoftmax($1(scores), groups: groups, rows: rows, columns: columns, scale: scale, into: $1(probabilities))
        }
    }

    public func causalSoftmaxBackward(probabilities: DeviceBuffer, gradient dP: DeviceBuffer, groups: Int, length: Int,
                                      scale: Float, into dS: DeviceBuffer) throws {
        try route(.causalSoftmaxBackward, operands: [probabilities, dP, dS], written: [dS]) {
            try $0.causalSoftmaxBackward(probabilities: $1(probabilities), gradient: $1(dP), groups: groups, length: length,
                                         scale: scale, into: $1(dS))
        }
    }

    public func crossEntropy(logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, vocabulary: Int, gradientScale: Float,
                             losses: DeviceBuffer, logitsGradient: DeviceBuffer?) throws {
        try route(.crossEntropy, operands: [logits, labels, losses, logitsGradient], written: [losses, logitsGradient]) { device, resolve in
            try device.crossEntropy(logits: resolve(logits), labels: resolve(labels), rows: rows, vocabulary: vocabulary,
                                    gradientScale: gradientScale, losses: resolve(losses), logitsGradient: logitsGradient.map(resolve))
        }
    }

    public func embedding(ids: DeviceBuffer, table: DeviceBuffer, vocabulary: Int, columns: Int, into out: DeviceBuffer) throws {
        try route(.embedding, operands: [ids, table, out], written: [out]) {
            try $0.embedding(ids: $1(ids), table: $1(table), vocabulary: vocabulary, columns: columns, into: $1(out))
        }
    }

    public func embeddingBackward(ids: DeviceBuffer, outputGradient dOut: DeviceBuffer, vocabulary: Int, columns: Int,
                                  into dTable: DeviceBuffer) throws {
        try route(.embeddingBackward, operands: [ids, dOut, dTable], written: [dTable]) {
            try $0.embeddingBackward(ids: $1(ids), outputGradient: $1(dOut), vocabulary: vocabulary, columns: columns, into: $1(dTable))
        }
    }
}
