/// Hugging Face tensor names and their GGUF names (llama.cpp's converter's table for Llama-family
/// models), and the row order llama.cpp's converter gives Llama's q and k projections.
enum GGUFTensorNames {
    private static let global = ["model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                                 "lm_head.weight": "output.weight"]
    private static let block = ["input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
                                "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                                "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
                                "mlp.down_proj": "ffn_down"]

    /// The GGUF name of a Hugging Face tensor name (`model.layers.3.self_attn.q_proj.weight` →
    /// `blk.3.attn_q.weight`), nil for names outside the table.
    static func gguf(_ name: String) -> String? {
        if let global = global[name] { return global }
        let parts = name.split(separator: ".").map(String.init)
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers", let layer = Int(parts[2]) else { return nil }
        let module = parts[3..<(parts.count - 1)].joined(separator: "."), kind = parts[parts.count - 1]
        guard let short = block[module], ["weight", "bias"].contains(kind) else { return nil }
        return "blk.\(layer).\(short).\(kind)"
    }

    /// For a Llama q or k projection (llama architecture only: qwen2 keeps transformers' layout),
    /// the heads its rows form; nil for every other tensor.
    static func permutedHeads(_ name: String, config: ModelConfig, architecture: String) -> Int? {
        guard architecture == "llama" || architecture == "mistral" else { return nil }
        if name.hasSuffix("self_attn.q_proj.weight") || name.hasSuffix("self_attn.q_proj.bias") { return config.attentionHeads }
        if name.hasSuffix("self_attn.k_proj.weight") || name.hasSuffix("self_attn.k_proj.bias") { return config.keyValueHeads }
        return nil
    }

    /// `values` (rows of equal length, e.g. floats or a quantized row's bytes) with each head's
    /// rows moved from transformers' order to the GGUF's (`toGGUF`) or back.
    static func reorderedRows<Element>(_ values: [Element], rows: Int, heads: Int, toGGUF: Bool) -> [Element] {
        let columns = values.count / rows, d = rows / heads
        var result = values
        for row in 0..<rows {
            let gguf = ggufRow(ofTransformersRow: row, headDimension: d) * columns, transformers = row * columns
            let (from, to) = toGGUF ? (transformers, gguf) : (gguf, transformers)
            result.replaceSubrange(to..<(to + columns), with: values[from..<(from + columns)])
        }
        return result
    }

    /// llama.cpp's converter stores row h·d + 2i + j of its q/k for transformers' row
    /// h·d + j·d/2 + i (it interleaves each head's two rotary halves for its RoPE kernel).
    /// Returns, for each transformers row, the GGUF row holding it.
    static func ggufRow(ofTransformersRow row: Int, headDimension d: Int) -> Int {
        let (head, within) = (row / d, row % d)
        let (half, index) = (within / (d / 2), within % (d / 2))
        return head * d + 2 * index + half
    }
}
