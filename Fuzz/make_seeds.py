#!/usr/bin/env python3
"""Writes Fuzz/corpus/<target>/: the seed corpus of every fuzz target, valid files each parser
accepts (FuzzCorpusTests checks that they all parse). Most are cut from the committed test
fixtures, which the reference tools produced; the rest are written here by hand, small, so that
libFuzzer mutates inputs of a few kilobytes. Standard library only:

    python3 Fuzz/make_seeds.py
"""
import json, os, shutil, struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIX = os.path.join(REPO, "Tests", "LoRAKitTests", "Fixtures")
TOK = os.path.join(REPO, "Tests", "LoRAKitTokenizersTests", "Fixtures")
JINJA = os.path.join(REPO, "Tests", "LoRAKitJinjaTests", "Fixtures")
OUT = os.path.join(HERE, "corpus")


def seed(target, name, content):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    open(os.path.join(folder, name), "wb").write(data)


def read(*parts):
    return open(os.path.join(*parts), "rb").read()


# --- safetensors -------------------------------------------------------------------------------

def safetensors(tensors, metadata=None):
    """tensors: (name, dtype, shape, bytes); the header padded to 8 bytes as safetensors does."""
    header, offset, body = {}, 0, b""
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        body += data
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


def safetensors_seeds():
    floats = struct.pack("<6f", 1, -2, 0.5, 0, 3.25, -0.125)
    seed("safetensors", "f32.safetensors", safetensors([("w", "F32", [2, 3], floats)], {"format": "pt"}))
    seed("safetensors", "mixed.safetensors", safetensors([
        ("a", "F16", [4], struct.pack("<4e", 1, 2, -0.5, 65504)),
        ("b", "BF16", [2, 2], bytes([0x80, 0x3F, 0x00, 0xC0, 0x00, 0x00, 0x80, 0x7F])),
        ("c", "U8", [3, 1], b"\x01\x02\x03"), ("d", "I64", [], struct.pack("<q", 7)),
        ("e", "F32", [0, 4], b"")]))
    seed("safetensors", "peft-adapter.safetensors", read(FIX, "peft", "standard", "adapter_model.safetensors"))
    seed("safetensors", "gguf-adapter.safetensors", read(FIX, "gguf-model", "adapter", "adapter_model.safetensors"))
    index = {"metadata": {"total_size": 48}, "weight_map": {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.norm.weight": "model-00002-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}}
    seed("safetensors-index", "two-shards.json", json.dumps(index, indent=2))
    seed("safetensors-index", "one-shard.json", json.dumps({"weight_map": {"x": "sub/model.safetensors"}}))


def quant_state_seeds():
    """Byte 0 picks the absmax layout of the fixed 4x64 weight (see FuzzTarget+SafeTensors.swift)."""
    plain = {"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [4, 64]}
    nested = dict(plain, dtype="bfloat16", nested_blocksize=256, nested_dtype="float32", nested_offset=0.25)
    seed("quant-state", "plain", b"\x00" + json.dumps(plain).encode())
    seed("quant-state", "nested", b"\x01" + json.dumps(nested).encode())
    seed("quant-state", "flat-shape", b"\x00" + json.dumps(dict(plain, shape=[256], dtype="float16")).encode())


# --- configs -----------------------------------------------------------------------------------

def config_seeds():
    seed("config", "tiny-llama-bnb4.json", read(FIX, "tiny-llama-bnb4", "config.json"))
    seed("config", "tiny-llama3-rope.json", read(FIX, "tiny-llama3-rope", "config.json"))
    base = json.loads(read(FIX, "tiny-llama-bnb4", "config.json"))
    base.pop("quantization_config", None)
    seed("config", "qwen2.json", json.dumps(dict(base, model_type="qwen2", attention_bias=True, tie_word_embeddings=True)))
    seed("config", "mistral-linear-rope.json", json.dumps(dict(base, model_type="mistral", head_dim=16,
                                                              rope_scaling={"type": "linear", "factor": 2.0})))
    for name in ["standard", "rslora"]:
        seed("adapter-config", name + ".json", read(FIX, "peft", name, "adapter_config.json"))
    seed("adapter-config", "gguf-adapter.json", read(FIX, "gguf-model", "adapter", "adapter_config.json"))
    regex = json.loads(read(FIX, "peft", "standard", "adapter_config.json"))
    seed("adapter-config", "regex-targets.json", json.dumps(dict(regex, target_modules=".*\\.(q|v)_proj", init_lora_weights="gaussian")))
    for name in ["gpt2", "llama2", "llama3", "qwen2", "smollm2"]:
        path = os.path.join(TOK, name, "tokenizer_config.json")
        if os.path.exists(path):
            seed("tokenizer-config", name + ".json", read(path))


# --- tokenizers --------------------------------------------------------------------------------

def reduced(tokenizer, keep):
    """The tokenizer with its vocabulary cut to the first `keep` ids, merges among them only, and
    added tokens renumbered after them (post-processor ids follow)."""
    model = tokenizer["model"]
    vocab = {t: i for t, i in model["vocab"].items() if i < keep}
    merges = []
    for merge in model["merges"]:
        a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(merge)
    renumber = {}
    for n, added in enumerate(t for t in tokenizer["added_tokens"] if t["id"] >= keep):
        renumber[added["id"]] = keep + n
    for added in tokenizer["added_tokens"]:
        added["id"] = renumber.get(added["id"], added["id"])
    model["vocab"], model["merges"] = vocab, merges
    processor = tokenizer.get("post_processor") or {}
    for step in processor.get("processors", [processor]):
        for special in (step.get("special_tokens") or {}).values():
            special["ids"] = [renumber.get(i, i) for i in special["ids"]]
    return json.dumps(tokenizer, ensure_ascii=False, indent=None)


def tokenizer_seeds():
    for name, keep in [("gpt2", 400), ("llama2", 420), ("llama2-converted", 420), ("llama3", 400),
                       ("qwen2", 400), ("smollm2", 400)]:
        tokenizer = json.loads(read(TOK, name, "tokenizer.json"))
        tokenizer["added_tokens"] = tokenizer["added_tokens"][:12]
        seed("tokenizer", name + "-small.json", reduced(tokenizer, keep))
    components = json.loads(read(TOK, "components.json"))
    for i, case in enumerate(components["tokenizers"]):
        seed("tokenizer", "component-%02d.json" % i, json.dumps(case["json"], ensure_ascii=False))
    # One small tokenizer with each normalizer, pre-tokenizer and decoder of the component cases.
    host = components["tokenizers"][0]["json"]
    for kind, field in [("normalizers", "normalizer"), ("pre_tokenizers", "pre_tokenizer"), ("decoders", "decoder")]:
        for i, case in enumerate(components[kind]):
            seed("tokenizer", "%s-%02d.json" % (field, i), json.dumps(dict(host, **{field: case["json"]}), ensure_ascii=False))


# --- chat templates, datasets, token files -----------------------------------------------------

def template_seeds():
    folder = os.path.join(JINJA, "templates")
    for name in sorted(os.listdir(folder)):
        seed("chat-template", name, read(folder, name))
    seed("chat-template", "loop-macro.jinja",
         "{% macro show(m) %}[{{ m.role|upper }}] {{ m.content|trim }}{% endmacro %}{% set ns = namespace(n=0) %}"
         "{% for m in messages %}{% if loop.first %}{{ bos_token }}{% endif %}{{ show(m) }}\n"
         "{% set ns.n = loop.index %}{% endfor %}{{ ns.n }}"
         "{% if add_generation_prompt %}[ASSISTANT]{% endif %}")
    seed("chat-template", "generation.jinja",
         "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content ~ eos_token }}"
         "{% endgeneration %}{% else %}{{ m.role }}: {{ m.content | tojson }}{% endif %}{% endfor %}")


def dataset_seeds():
    seed("jsonl", "text.jsonl", '{"text": "the cat sat"}\n{"text": "on the mat"}\n')
    seed("jsonl", "prompt-completion.jsonl", '{"prompt": "2 + 2 =", "completion": " 4"}\n\n{"prompt": "x", "completion": "y"}\n')
    seed("jsonl", "conversational.jsonl", json.dumps({"prompt": [{"role": "user", "content": "hi"}],
                                                      "completion": [{"role": "assistant", "content": "hello"}]}) + "\n")
    seed("jsonl", "messages.jsonl", json.dumps({"messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "caf\u00e9?"},
        {"role": "assistant", "content": "oui"}]}, ensure_ascii=False) + "\n")
    seed("token-file", "u16.tokens", b"LKTOKENS" + struct.pack("<IIQ", 2, 0, 3) + struct.pack("<3H", 1, 2, 65535))
    seed("token-file", "u32.tokens", b"LKTOKENS" + struct.pack("<IIQ", 4, 0, 2) + struct.pack("<2I", 5, 128255))
    seed("token-file", "empty.tokens", b"LKTOKENS" + struct.pack("<IIQ", 2, 0, 0))


# --- GGUF --------------------------------------------------------------------------------------

def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_value(value):
    """(type id, bytes) for the metadata value types the seeds use."""
    if isinstance(value, bool):
        return 7, struct.pack("<?", value)
    if isinstance(value, int):
        return 4, struct.pack("<I", value)
    if isinstance(value, float):
        return 6, struct.pack("<f", value)
    if isinstance(value, str):
        return 8, gguf_string(value)
    kind, _ = gguf_value(value[0])
    return 9, struct.pack("<IQ", kind, len(value)) + b"".join(gguf_value(v)[1] for v in value)


def gguf(metadata, tensors):
    """tensors: (name, dims in GGUF order, ggml type, bytes), data aligned to 32 bytes."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, value in metadata.items():
        kind, data = gguf_value(value)
        out += gguf_string(key) + struct.pack("<I", kind) + data
    offset, body = 0, b""
    for name, dims, kind, data in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", kind, offset)
        body += data + b"\0" * (-len(data) % 32)
        offset = len(body)
    return out + b"\0" * (-len(out) % 32) + body


def gguf_seeds():
    seed("gguf", "adapter-reference.gguf", read(FIX, "gguf-model", "adapter-reference.gguf"))
    pattern = bytes((i * 37 + 11) & 0x7F for i in range(4096))
    tensors = [("a.f32", [8, 2], 0, struct.pack("<16f", *range(16))), ("b.f16", [32], 1, struct.pack("<32e", *[i / 8 for i in range(32)])),
               ("c.q4_0", [32], 2, pattern[:18]), ("d.q8_0", [32, 2], 8, pattern[:68]), ("e.q4_k", [256], 12, pattern[:144]),
               ("f.q6_k", [256], 14, pattern[:210]), ("g.bf16", [4], 30, bytes([0x80, 0x3F, 0, 0x40, 0, 0, 0x80, 0xBF]))]
    seed("gguf", "block-types.gguf", gguf({"general.architecture": "llama", "general.alignment": 32}, tensors))
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] + ["\u2581", "\u2581the", "\u2581a", "at", "\u2581cat"]
    llama = {
        "general.architecture": "llama", "general.name": "seed", "llama.context_length": 128, "llama.embedding_length": 16,
        "llama.block_count": 1, "llama.feed_forward_length": 32, "llama.attention.head_count": 2,
        "llama.attention.head_count_kv": 1, "llama.rope.freq_base": 10000.0, "llama.attention.layer_norm_rms_epsilon": 1e-5,
        "llama.vocab_size": len(tokens), "tokenizer.ggml.model": "llama", "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.scores": [0.0] * 259 + [-1.0, -2.0, -3.0, -4.0, -5.0],
        "tokenizer.ggml.token_type": [2, 3, 3] + [6] * 256 + [1] * 5,
        "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.add_bos_token": True,
    }
    seed("gguf", "llama-spm-vocab.gguf", gguf(llama, [("token_embd.weight", [16, 8], 0, struct.pack("<128f", *[0.01 * i for i in range(128)]))]))
    byte_tokens = [chr(c) for c in range(33, 127)] + ["\u0120", "\u0120t", "he", "\u0120the", "<|endoftext|>"]
    gpt2 = {"general.architecture": "qwen2", "qwen2.context_length": 64, "qwen2.embedding_length": 8, "qwen2.block_count": 1,
            "qwen2.feed_forward_length": 16, "qwen2.attention.head_count": 2, "qwen2.attention.head_count_kv": 2,
            "qwen2.attention.layer_norm_rms_epsilon": 1e-6, "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "qwen2",
            "tokenizer.ggml.tokens": byte_tokens, "tokenizer.ggml.token_type": [1] * (len(byte_tokens) - 1) + [3],
            "tokenizer.ggml.merges": ["\u0120 t", "h e", "\u0120t he"], "tokenizer.ggml.eos_token_id": len(byte_tokens) - 1}
    seed("gguf", "gpt2-vocab.gguf", gguf(gpt2, []))


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    for make in [safetensors_seeds, quant_state_seeds, config_seeds, tokenizer_seeds, template_seeds, dataset_seeds, gguf_seeds]:
        make()
    for target in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, target))
        print("%-18s %3d seeds, %7d bytes" % (target, len(files), sum(os.path.getsize(os.path.join(OUT, target, f)) for f in files)))
