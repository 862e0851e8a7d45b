import ArgumentParser
import Foundation
import LoRAKit

/// `lorakit init`: a randomly initialised Llama checkpoint to pretrain with `lorakit train --full`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a randomly initialised Llama-architecture checkpoint (for full-parameter pretraining).",
        discussion: """
            Matrices are drawn from N(0, 0.02²) as transformers initialises LlamaForCausalLM, norm weights are one. \
            A vocabulary of 256 with no tokenizer file makes a byte-level model. The same flags and seed give the same bytes.
            """)

    @Option(help: "Folder to write; must not exist or be empty.") var out: String
    @Option(help: "hidden_size.") var hidden = 256
    @Option(help: "intermediate_size of the SwiGLU MLP.") var intermediate = 688
    @Option(help: "num_hidden_layers.") var layers = 4
    @Option(help: "num_attention_heads.") var heads = 8
    @Option(help: "num_key_value_heads (grouped-query attention when below --heads).") var kvHeads = 4
    @Option(help: "vocab_size (256: byte-level).") var vocab = 256
    @Option(help: "max_position_embeddings.") var maxPositions = 1024
    @Flag(help: "Tie the LM head to the token embedding.") var tie = false
    @Option(help: "Seed of the initial values.") var seed: UInt64 = 0

    func run() throws {
        var shape = RandomCheckpoint()
        (shape.hiddenSize, shape.intermediateSize, shape.layerCount) = (hidden, intermediate, layers)
        (shape.attentionHeads, shape.keyValueHeads, shape.vocabularySize) = (heads, kvHeads, vocab)
        (shape.maxPositionEmbeddings, shape.tieWordEmbeddings) = (maxPositions, tie)
        let checkpoint = try shape.write(to: URL(fileURLWithPath: out), seed: seed)
        let parameters = checkpoint.config.parameterCount
        print(String(format: "wrote %@/config.json and model.safetensors: %d layers, hidden %d, %.2f M parameters%@",
                     out, layers, hidden, Double(parameters) / 1e6, checkpoint.isByteLevel ? ", byte-level" : ""))
    }
}
