#!/usr/bin/env python3
"""Writes components.json: small hand-made components and tokenizers, each with what the
`tokenizers` package does on a few inputs. The Swift unit tests run the same JSON through
LoRAKitTokenizers and compare.

    ~/.cache/lorakit/ref-venv/bin/python make_component_cases.py
"""
import json, os
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))

TEXTS = ["Hello  world", " a1b22c333 ", "it's--ok!!  \n\tnext", "▁x y▁▁z", "", "ab,cd.", "é e\u0301 ﬁ Ⅻ ΣΑΣ"]


def random_texts(count, seed=2024):
    """Random code points from blocks with varied properties, so that character classes
    (letters, digits, punctuation, spaces), case mapping and normalization meet many scalars."""
    import random
    rng = random.Random(seed)
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x52F), (0x530, 0x58F),
              (0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x10A0, 0x10FF), (0x1E00, 0x1FFF), (0x2000, 0x2BFF),
              (0x3000, 0x30FF), (0x3200, 0x33FF), (0xA640, 0xA69F), (0xAB70, 0xABBF), (0xFB00, 0xFB4F),
              (0xFE30, 0xFE6F), (0xFF00, 0xFFEF), (0x10400, 0x1044F), (0x1D400, 0x1D7FF), (0x1E900, 0x1E95F),
              (0x1F100, 0x1F1FF), (0x1F300, 0x1F6FF)]
    out = []
    for _ in range(count):
        out.append("".join(chr(rng.randint(*rng.choice(blocks))) for _ in range(rng.randint(1, 20))))
    return out


TEXTS += random_texts(60) + ["a\na\nbΣΣ É", "aa\r\nbb ab\n\n", "Sſ ſs ΣσςÉé"]


def split(pattern, behavior, invert=False, kind="String"):
    return {"type": "Split", "pattern": {kind: pattern}, "behavior": behavior, "invert": invert}


PRE_TOKENIZERS = [split(" ", b) for b in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]]
PRE_TOKENIZERS += [split(r"\d", b, kind="Regex") for b in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]]
PRE_TOKENIZERS += [split(r"\d", b, invert=True, kind="Regex") for b in ["Removed", "Isolated", "Contiguous", "MergedWithNext"]]
# Regex features: the line-end anchor (Oniguruma's $ matches before any \n), text anchors,
# POSIX classes, scripts, case folding, and a pattern matching the empty string everywhere.
PRE_TOKENIZERS += [split(p, "Isolated", kind="Regex") for p in
                   [r"a$", r"a$|b", r"[$^a]+", r"\Aa", r"a\z", r"[[:alpha:]]+", r"\p{Greek}+", r"(?i)é", r"x*+", r"(a|b)\1"]]
PRE_TOKENIZERS += [split(r"\w+", "Isolated", kind="Regex"), split(r"\W+", "Removed", kind="Regex"),
                   split(r"[\w\d]+", "Isolated", kind="Regex"), split(r"\s+", "Removed", kind="Regex"), split(r"[a-z]*", "Isolated", kind="Regex"),
                   split(r"(?i:'S|'t)|\p{L}+|\p{N}{1,3}", "Isolated", kind="Regex")]
PRE_TOKENIZERS += [
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": s, "split": sp}
    for s in ["always", "first", "never"] for sp in [True, False]
] + [{"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}]
PRE_TOKENIZERS += [
    {"type": "ByteLevel", "add_prefix_space": a, "trim_offsets": True, "use_regex": r}
    for a in [True, False] for r in [True, False]
]
PRE_TOKENIZERS += [
    {"type": "Digits", "individual_digits": True}, {"type": "Digits", "individual_digits": False},
    {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Punctuation", "behavior": "MergedWithPrevious"},
    {"type": "Whitespace"}, {"type": "WhitespaceSplit"},
    {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Digits", "individual_digits": True}]},
]

NORMALIZERS = [
    {"type": "NFC"}, {"type": "NFD"}, {"type": "NFKC"}, {"type": "NFKD"}, {"type": "Lowercase"},
    {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
    {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": "_"},
    {"type": "Strip", "strip_left": True, "strip_right": False}, {"type": "Strip", "strip_left": True, "strip_right": True},
    {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Prepend", "prepend": "#"}]},
]

TOKEN_LISTS = [["▁Hello", "▁", "▁world", "<0x41>", "<0xC3>", "<0xA9>", "<0xFF>", "x"], ["▁▁a▁b", "▁c", "▁"],
               ["Ġhi", "Ċ", "ĠðŁ", "ĺ", "Ģ", "<|im_start|>"], [], ["  lead", "x  "]]
DECODERS = [
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": True},
    {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}, {"type": "Strip", "content": " ", "start": 2, "stop": 1},
    {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                      {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
]


def base_tokenizer(vocab, merges, **model):
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
        "pre_tokenizer": None, "post_processor": None, "decoder": None,
        "model": dict({"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                       "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                       "vocab": {t: i for i, t in enumerate(vocab)}, "merges": merges}, **model),
    }


def added(id_, content, special=True, lstrip=False, rstrip=False, single_word=False, normalized=False):
    return {"id": id_, "content": content, "special": special, "lstrip": lstrip, "rstrip": rstrip,
            "single_word": single_word, "normalized": normalized}


def tokenizers():
    letters = ["<unk>", "<s>", "</s>", "a", "b", "c", "d", " ", "ab", "abc", "cd", "abcd", "bc", "▁", "▁a", "X", "[M]", "<mask>"]
    merges = ["a b", "ab c", "c d", "ab cd", "b c", "▁ a"]
    out = {}
    t = base_tokenizer(letters, merges, unk_token="<unk>", fuse_unk=False)
    out["unk not fused"] = t
    out["unk fused"] = base_tokenizer(letters, merges, unk_token="<unk>", fuse_unk=True)
    out["no unk: unknown characters dropped"] = base_tokenizer(letters, merges)
    bytes_vocab = letters + [f"<0x{b:02X}>" for b in range(256)]
    out["byte fallback"] = base_tokenizer(bytes_vocab, merges, byte_fallback=True, unk_token="<unk>")
    # "abcd" is in the vocabulary but the merges would give "ab"+"cd" first; ignore_merges takes it whole.
    rank_vocab = ["a", "b", "c", "d", "ab", "cd", "abcd", "bc", "abc"]
    rank_merges = [["b", "c"], ["a", "b"], ["c", "d"], ["ab", "cd"], ["a", "bc"]]
    out["merge ranks, pair form"] = base_tokenizer(rank_vocab, rank_merges)
    out["ignore_merges"] = base_tokenizer(rank_vocab, rank_merges, ignore_merges=True)
    t = base_tokenizer(letters, merges, unk_token="<unk>")
    t["added_tokens"] = [added(15, "X", special=False, single_word=True), added(16, "[M]", lstrip=True, rstrip=True),
                         added(17, "<mask>", lstrip=True), added(1, "<s>"), added(2, "</s>", rstrip=True)]
    t["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                                                          "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
    out["added tokens: single_word, lstrip, rstrip; template"] = t
    t = base_tokenizer(letters, merges, unk_token="<unk>")
    t["normalizer"] = {"type": "Lowercase"}
    t["added_tokens"] = [added(15, "X", special=False, normalized=True), added(18, "ABC", special=False, normalized=False)]
    t["post_processor"] = {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1],
                           "trim_offsets": True, "add_prefix_space": False}
    out["normalized added tokens; roberta"] = t
    t = base_tokenizer(letters, merges, unk_token="<unk>")
    t["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True}
    t["added_tokens"] = [added(1, "<s>")]
    t["decoder"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True}
    out["metaspace first after an added token"] = t
    # Llama 2's normalizer with added tokens both ways: a normalized one is looked for as the
    # normalizer rewrites it ("▁[M]" once Prepend ran), a raw one in the text as written.
    t = base_tokenizer(letters, merges, unk_token="<unk>", byte_fallback=False, fuse_unk=True)
    t["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
    t["added_tokens"] = [added(16, "[M]", special=True, normalized=True), added(1, "<s>"), added(17, "<mask>", special=False, normalized=True)]
    t["decoder"] = {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                                     {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    out["normalized added tokens after Prepend"] = t
    return out


def main():
    cases = {"pre_tokenizers": [], "normalizers": [], "decoders": [], "tokenizers": []}
    for spec in PRE_TOKENIZERS:
        p = pre_tokenizers.PreTokenizer.custom if False else None
        tok = Tokenizer.from_str(json.dumps(dict(base_tokenizer(["a"], []), pre_tokenizer=spec)))
        pt = tok.pre_tokenizer
        cases["pre_tokenizers"].append({"json": spec, "cases": [
            {"input": t, "output": [p for p, _ in pt.pre_tokenize_str(t)]} for t in TEXTS]})
    for spec in NORMALIZERS:
        tok = Tokenizer.from_str(json.dumps(dict(base_tokenizer(["a"], []), normalizer=spec)))
        cases["normalizers"].append({"json": spec, "cases": [
            {"input": t, "output": tok.normalizer.normalize_str(t)} for t in TEXTS]})
    for spec in DECODERS:
        tok = Tokenizer.from_str(json.dumps(dict(base_tokenizer(["a"], []), decoder=spec)))
        cases["decoders"].append({"json": spec, "cases": [
            {"input": t, "output": tok.decoder.decode(t)} for t in TOKEN_LISTS]})
    texts = ["abcd", "abcdzz", "zzabz", "aébz", "X aX X", "a [M] b", "ab  <mask>  c", "<s>ab</s>  c", "abc ABC x",
             "a<s>a", "<s> a", "", "ab cd", "[M]ab", "ab [M] <mask>", "a<s>[M]"]
    for name, spec in tokenizers().items():
        tok = Tokenizer.from_str(json.dumps(spec))
        rows = []
        for text in texts:
            ids = tok.encode(text, add_special_tokens=False).ids
            special = tok.encode(text, add_special_tokens=True).ids
            rows.append({"input": text, "ids": ids, "ids_special": special,
                         "decoded": tok.decode(special, skip_special_tokens=False),
                         "decoded_skip": tok.decode(special, skip_special_tokens=True)})
        cases["tokenizers"].append({"name": name, "json": spec, "cases": rows})
    with open(os.path.join(HERE, "components.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print({k: len(v) for k, v in cases.items()})


if __name__ == "__main__":
    main()
