import Foundation
import LoRAKit

/// The embedding gather (rows widened exactly from 16-bit tables: bit-exact) and its scatter-add
/// backward. Token ids include −1 and V, outside the vocabulary: a zero row, a skipped token.
extension OpHarness {
    static func tokenIDs(_ count: Int, vocabulary: Int, _ random: inout OpHarnessRandom) -> [Int32] {
        var ids = random.int32s(count, in: 0..<vocabulary)
        (ids[1], ids[count - 2]) = (-1, Int32(vocabulary))
        return ids
    }

    /// dims: vocabulary, columns, tokens; variant: the table's storage. Out starts as NaN.
    static let embedding = OpHarnessEntry(
        .embedding,
        shapes: [OpShape(37, 13, 33, variant: "bfloat16"), OpShape(64, 128, 64, variant: "float32"), OpShape(65, 33, 40, variant: "float16")],
        tolerances: ["out": OutputTolerance(host: .bitExact, reference: .bitExact)],
        generate: { shape, random -> (ids: [Int32], table: OpArray) in
            let table = random.normals(shape[0] * shape[1], scale: 0.02)
            let stored: OpArray = switch shape.variant {
            case "bfloat16": .bfloat16(table.map(BFloat16.init))
            case "float16": .float16(table.map(Float16.init))
            default: .float32(table)
            }
            return (tokenIDs(shape[2], vocabulary: shape[0], &random), stored)
        },
        run: { device, shape, inputs in
            let out = try device.makeBuffer([Float](repeating: .nan, count: shape[2] * shape[1]), label: "out")
            try device.embedding(ids: device.makeBuffer(inputs.ids, label: "ids"), table: inputs.table.upload(to: device, label: "table"),
                                 vocabulary: shape[0], columns: shape[1], into: out)
            return try downloadOutputs(["out": out])
        },
        reference: { shape, inputs in
            let (vocabulary, columns) = (shape[0], shape[1])
            let values = inputs.ids.flatMap { id in
                (0..<columns).map { (0..<vocabulary).contains(Int(id)) ? inputs.table.value(Int(id) * columns + $0) : 0 }
            }
            return ["out": ReferenceOutput(values)]
        })

    /// dims: vocabulary, columns, tokens; ids from the first half of the vocabulary, so tokens repeat.
    /// Every device adds in token order (documented), the same float32 additions as the host: bit-exact.
    /// The reference bounds a sum of k + 1 terms by (k + 2)·u of their magnitudes.
    static let embeddingBackward = OpHarnessEntry(
        .embeddingBackward, shapes: [OpShape(37, 13, 33), OpShape(64, 128, 64), OpShape(37, 13, 301)],
        tolerances: ["dTable": OutputTolerance(host: .bitExact, reference: .referenceBound(factor: 1))],
        generate: { shape, random in
            (ids: tokenIDs(shape[2], vocabulary: shape[0] / 2, &random).map { $0 == shape[0] / 2 ? Int32(shape[0]) : $0 },
             dOut: random.floats(shape[2] * shape[1]), table: random.floats(shape[0] * shape[1]))
        },
        run: { device, shape, inputs in
            let dTable = try device.makeBuffer(inputs.table, label: "dTable")
            try device.embeddingBackward(ids: device.makeBuffer(inputs.ids, label: "ids"), outputGradient: device.makeBuffer(inputs.dOut, label: "dOut"),
                                         vocabulary: shape[0], columns: shape[1], into: dTable)
            return try downloadOutputs(["dTable": dTable])
        },
        reference: { shape, inputs in
            let columns = shape[1]
            var values = inputs.table.map(Double.init), magnitude = values.map(abs), terms = [Int](repeating: 1, count: shape[0])
            for (n, id) in inputs.ids.enumerated() where (0..<shape[0]).contains(Int(id)) {
                terms[Int(id)] += 1
                for c in 0..<columns {
                    values[Int(id) * columns + c] += Double(inputs.dOut[n * columns + c])
                    magnitude[Int(id) * columns + c] += abs(Double(inputs.dOut[n * columns + c]))
                }
            }
            let bound = magnitude.indices.map { Double(terms[$0 / columns] + 1) * u * magnitude[$0] }
            return ["dTable": ReferenceOutput(values, bound: bound)]
        })
}
