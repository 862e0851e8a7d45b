import Foundation
import LoRAKit
import LoRAKitGGUF
import LoRAKitTokenizers

extension FuzzTarget {
    /// A GGUF file: header, metadata and tensor table, then what LoRAKit derives from them —
    /// every small tensor dequantized, the model configuration, and the vocabulary as a tokenizer.
    /// Each derivation may reject the file on its own; the later ones still run.
    static let gguf = FuzzTarget(name: "gguf", summary: "a GGUF file (header, metadata, tensor table, vocabulary)") { data in
        let file = try GGUFFile(data: data, name: "fuzz.gguf")
        for tensor in file.tensors where tensor.elementCount <= 1 << 20 {
            _ = try? tensor.dequantized()
        }
        _ = try? ModelConfig.parse(gguf: file, path: "fuzz.gguf")
        guard file.metadata["tokenizer.ggml.model"] != nil else { return }
        let tokenizer = try Tokenizer(gguf: try GGUFVocabulary(file: file))
        FuzzText.roundTrip(tokenizer)
    }
}
