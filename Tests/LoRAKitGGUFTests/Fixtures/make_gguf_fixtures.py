#!/usr/bin/env python3
"""Builds the LoRAKitGGUF test fixtures with the `gguf` Python package (the reference).

Run with the reference venv from this folder's parent or anywhere:
    ~/.cache/lorakit/ref-venv/bin/python make_gguf_fixtures.py

Writes, next to this script:
  quants.gguf    for every block type T: tensor "T.q" (quantized bytes) and "T.ref"
                 (F32, gguf.quants.dequantize of "T.q"); "T.raw"/"T.raw.ref" hold random
                 bytes as blocks (NaN/inf/subnormal scales included) and their dequantization.
  metadata.gguf  metadata of every value type, nested arrays, empty and unicode strings.
  quantize.gguf  for F16, BF16, Q8_0, Q4_0: "T.src" (F32 input) and "T.q" (gguf.quants.quantize of it).
  writer_ref.gguf  what gguf.GGUFWriter writes for the content WriterTests builds in Swift.
  expectations.json  values gguf.GGUFReader reads from the real vocab files, for VocabTests.
  ggml-vocab-llama-spm.gguf  copied from llama.cpp (small real file).
"""
import json, os, shutil, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES

HERE = os.path.dirname(os.path.abspath(__file__))
VOCABS = os.path.expanduser("~/.cache/lorakit/ref/llama_cpp_python-0.3.36/vendor/llama.cpp/models")
rng = np.random.default_rng(20251202)


def sample_values(n):
    """Seeded data mixing normal, large, tiny magnitudes, zeros and constant blocks."""
    x = rng.standard_normal(n).astype(np.float32)
    q = n // 8
    x[:q] *= np.float32(1e4)                     # large
    x[q:2 * q] *= np.float32(1e-6)               # tiny (f16 scales go subnormal)
    x[2 * q:2 * q + 64] = 0                      # all-zero blocks
    x[2 * q + 64:2 * q + 128] = np.float32(0.25) # constant blocks
    x[3 * q:3 * q + 32] *= np.float32(1e-30)     # scales underflow to zero
    return x


def f16_scales(k):
    """Finite float16 scale values of many magnitudes, incl. zero and subnormals."""
    mags = np.concatenate([rng.standard_normal(k // 2) * 0.01, rng.standard_normal(k // 4) * 1e-6,
                           rng.standard_normal(k // 4) * 100.0]).astype(np.float16)
    mags[0] = 0
    mags[1] = np.float16(6e-8)
    return rng.permutation(mags)


def k_blocks(qtype, n_blocks):
    """Valid K-quant blocks: random quant bits, finite f16 scales at the d/dmin fields."""
    _, size = GGML_QUANT_SIZES[qtype]
    b = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    # byte offsets of the float16 super-block scales in each layout
    fields = {T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208]}[qtype]
    for off in fields:
        b[:, off:off + 2] = f16_scales(n_blocks).view(np.uint8).reshape(n_blocks, 2)
    return b


def add_pair(w, name, qtype, qbytes, n_elems):
    ref = gguf.quants.dequantize(qbytes, qtype).astype(np.float32).reshape(-1)
    assert ref.size == n_elems
    if qtype in (T.F32,):
        w.add_tensor(name, qbytes.view(np.float32))
    elif qtype == T.F16:
        w.add_tensor(name, qbytes.view(np.float16))
    else:
        w.add_tensor(name, qbytes, raw_dtype=qtype)
    w.add_tensor(name + ".ref", ref)


def make_quants():
    w = gguf.GGUFWriter(os.path.join(HERE, "quants.gguf"), "fixture")
    # F16: every one of the 65536 bit patterns, exhaustively
    f16 = np.arange(65536, dtype=np.uint16).view(np.uint8).reshape(256, 512)
    add_pair(w, "F16", T.F16, f16.view(np.float16).reshape(256, 256).view(np.uint8), 65536)
    bf16 = rng.integers(0, 65536, size=4096, dtype=np.uint16)
    bf16[:8] = [0, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0x0001, 0x8001]
    add_pair(w, "BF16", T.BF16, bf16.view(np.uint8).reshape(16, 512), 4096)
    f32 = sample_values(1024)
    add_pair(w, "F32", T.F32, f32.view(np.uint8).reshape(4, 1024), 1024)
    for qt in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0):
        x = sample_values(64 * 32).reshape(16, 128)
        q = gguf.quants.quantize(x, qt)
        add_pair(w, qt.name, qt, q, x.size)
    for qt in (T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K):
        q = k_blocks(qt, 12)
        add_pair(w, qt.name, qt, q.reshape(3, -1), 12 * 256)
    # raw random bytes as blocks: exercises NaN, inf and subnormal scales too
    for qt in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K):
        bs, size = GGML_QUANT_SIZES[qt]
        nb = 8 if bs == 256 else 64
        raw = rng.integers(0, 256, size=(1, nb * size), dtype=np.uint8)
        add_pair(w, qt.name + ".raw", qt, raw, nb * bs)
    # Q8_K: gguf has no reference; d (f32) * q computed with numpy in float32
    nb = 4
    d = (rng.standard_normal(nb) * 0.01).astype(np.float32)
    qs = rng.integers(-128, 128, size=(nb, 256), dtype=np.int8)
    bsums = qs.reshape(nb, 16, 16).astype(np.int16).sum(axis=-1).astype(np.int16)
    blocks = np.concatenate([d.view(np.uint8).reshape(nb, 4), qs.view(np.uint8),
                             bsums.view(np.uint8).reshape(nb, 32)], axis=1)
    w.add_tensor("Q8_K", blocks.reshape(1, -1), raw_dtype=T.Q8_K)
    w.add_tensor("Q8_K.ref", (d.reshape(nb, 1) * qs.astype(np.float32)).reshape(-1))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def make_quantize():
    """Inputs and gguf.quants.quantize outputs for the types BlockQuantizer supports."""
    qr = np.random.default_rng(7)  # own generator: the other fixtures stay as they were
    w = gguf.GGUFWriter(os.path.join(HERE, "quantize.gguf"), "fixture")
    # float16/bfloat16: random bit patterns (all exponents, subnormals, halfway cases), specials, NaNs
    bits = qr.integers(0, 2**32, size=8192, dtype=np.uint64).astype(np.uint32)
    bits[:12] = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff,
                 0x477fefff, 0x477ff000, 0x33000000, 0x33000001, 0x38800000]
    halfway = (qr.integers(0x30000000, 0x48000000, size=1024, dtype=np.uint64).astype(np.uint32) & ~np.uint32(0x1fff)) | np.uint32(0x1000)
    bits = np.concatenate([bits, halfway, halfway ^ np.uint32(0x2000)])
    src = bits.view(np.float32)
    for qt in (T.F16, T.BF16):
        q = gguf.quants.quantize(src, qt)
        w.add_tensor(qt.name + ".src", src)
        w.add_tensor(qt.name + ".q", q.view(np.uint8).reshape(-1), raw_dtype=qt)
    for qt in (T.Q8_0, T.Q4_0):
        x = sample_values_with(qr, 128 * 32)
        x[:32] = np.arange(32, dtype=np.float32) - 16  # exact ties of the rounding
        x[32:64] = -x[32:64]
        q = gguf.quants.quantize(x.reshape(32, 128), qt)
        w.add_tensor(qt.name + ".src", x)
        w.add_tensor(qt.name + ".q", q.reshape(-1), raw_dtype=qt)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def sample_values_with(g, n):
    x = g.standard_normal(n).astype(np.float32)
    q = n // 8
    x[:q] *= np.float32(1e4); x[q:2 * q] *= np.float32(1e-6); x[2 * q:2 * q + 64] = 0
    x[3 * q:3 * q + 32] *= np.float32(1e-30); x[4 * q:4 * q + 32] *= np.float32(1e30)
    return x


def add_metadata(w):
    """The same content is built by metadataContent() in the Swift tests."""
    V = gguf.GGUFValueType
    w.add_uint8("t.u8", 255); w.add_int8("t.i8", -128)
    w.add_uint16("t.u16", 65535); w.add_int16("t.i16", -32768)
    w.add_uint32("t.u32", 4294967295); w.add_int32("t.i32", -2147483648)
    w.add_uint64("t.u64", 18446744073709551615); w.add_int64("t.i64", -9223372036854775808)
    w.add_float32("t.f32", 3.14159); w.add_float64("t.f64", -2.718281828459045)
    w.add_bool("t.true", True); w.add_bool("t.false", False)
    w.add_key_value("t.empty", "", V.STRING)
    w.add_string("t.unicode", "héllo wörld ✓ 日本語 🦙\n\t\"q\"")
    w.add_array("t.strings", ["a", "", "▁the", "🦙", "<0x0A>"])
    w.add_key_value("t.u8s", [0, 1, 255], V.ARRAY, sub_type=V.UINT8)
    w.add_key_value("t.i16s", [-1, 2, -3], V.ARRAY, sub_type=V.INT16)
    w.add_key_value("t.u64s", [0, 18446744073709551615], V.ARRAY, sub_type=V.UINT64)
    w.add_key_value("t.f64s", [0.5, -1e300], V.ARRAY, sub_type=V.FLOAT64)
    w.add_array("t.i32s", [1, -2, 3])
    w.add_array("t.f32s", [0.5, -0.25, 1e-8])
    w.add_array("t.bools", [True, False, True])
    w.add_array("t.nested", [[1, 2], [3], [4, 5, 6]])
    w.add_array("t.nested_strings", [["x", "yz"], ["", "✓"]])
    w.add_array("t.deep", [[[1.5], [2.5, 3.5]]])


def make_metadata():
    w = gguf.GGUFWriter(os.path.join(HERE, "metadata.gguf"), "llama")
    add_metadata(w)
    w.add_block_count(30)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def make_writer_ref():
    """Mirrors WriterTests.referenceWriter() in Swift: byte-equality of the two writers."""
    w = gguf.GGUFWriter(os.path.join(HERE, "writer_ref.gguf"), "llama")
    w.add_custom_alignment(64)
    add_metadata(w)
    a = (np.arange(12, dtype=np.float32) * np.float32(0.5)).reshape(3, 4)
    w.add_tensor("a", a)
    b = (np.arange(40, dtype=np.int32) % 7 - 3).astype(np.float16).reshape(40)
    w.add_tensor("b.f16", b)
    q = (np.arange(2 * 34, dtype=np.int32) * 37 % 256).astype(np.uint8).reshape(2, 34)
    w.add_tensor("c.q8_0", q, raw_dtype=T.Q8_0)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    r = gguf.GGUFReader(os.path.join(HERE, "writer_ref.gguf"))
    assert [t.name for t in r.tensors] == ["a", "b.f16", "c.q8_0"]


def vocab_expectations(name):
    r = gguf.GGUFReader(os.path.join(VOCABS, name))
    toks = r.fields["tokenizer.ggml.tokens"].contents()
    picks = sorted({0, 1, 2, 3, 100, 1000, len(toks) // 2, len(toks) - 1})
    out = {"file": name, "kv_count": len(r.fields) - 3, "tensor_count": len(r.tensors),
           "token_count": len(toks), "tokens": {str(i): toks[i] for i in picks},
           "model": r.fields["tokenizer.ggml.model"].contents(),
           "architecture": r.fields["general.architecture"].contents()}
    if "tokenizer.ggml.scores" in r.fields:
        s = r.fields["tokenizer.ggml.scores"].contents()
        out["scores"] = {str(i): float(np.float32(s[i])) for i in picks}
    if "tokenizer.ggml.token_type" in r.fields:
        tt = r.fields["tokenizer.ggml.token_type"].contents()
        out["token_types"] = {str(i): int(tt[i]) for i in picks}
    if "tokenizer.ggml.merges" in r.fields:
        m = r.fields["tokenizer.ggml.merges"].contents()
        out["merge_count"] = len(m); out["merges"] = {str(i): m[i] for i in (0, len(m) - 1)}
    return out


def smollm2_expectations(path):
    """Values for the optional SmolLM2 test (file not committed; see SmolLM2Tests)."""
    r = gguf.GGUFReader(path)
    out = {"tensor_count": len(r.tensors), "kv_count": len(r.fields) - 3, "tensors": {}}
    for t in r.tensors:
        if t.name in ("token_embd.weight", "blk.0.attn_norm.weight", "blk.0.ffn_down.weight", "output_norm.weight"):
            ref = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
            bits = ref.view(np.uint32).astype(np.uint64)
            # order-sensitive checksum the Swift test recomputes from its own dequantization
            h = int(np.sum(bits * (np.arange(bits.size, dtype=np.uint64) % np.uint64(1000003) + np.uint64(1))) % np.uint64(2**61 - 1))
            out["tensors"][t.name] = {"type": t.tensor_type.name, "ne": [int(x) for x in t.shape],
                                      "offset": int(t.data_offset), "checksum": h,
                                      "first": [float(v) for v in ref[:4]]}
    return out


if __name__ == "__main__":
    make_quants(); make_quantize(); make_metadata(); make_writer_ref()
    shutil.copy(os.path.join(VOCABS, "ggml-vocab-llama-spm.gguf"), HERE)
    exp = {"vocabs": [vocab_expectations(n) for n in ("ggml-vocab-llama-spm.gguf", "ggml-vocab-qwen2.gguf")]}
    # every vocab file llama.cpp ships: counts and a token, for VocabTests.everyLlamaCppVocab
    exp["all_vocabs"] = {}
    for n in sorted(os.listdir(VOCABS)):
        if n.startswith("ggml-vocab-") and n.endswith(".gguf"):
            r = gguf.GGUFReader(os.path.join(VOCABS, n))
            toks = r.fields["tokenizer.ggml.tokens"].contents()
            exp["all_vocabs"][n] = {"kv_count": len(r.fields) - 3, "tensor_count": len(r.tensors),
                                    "token_count": len(toks), "last_token": toks[-1]}
    smol = os.environ.get("LORAKIT_SMOLLM2_GGUF")
    if smol and os.path.exists(smol):
        exp["smollm2"] = smollm2_expectations(smol)
    with open(os.path.join(HERE, "expectations.json"), "w") as f:
        json.dump(exp, f, indent=1, ensure_ascii=False)
    print("fixtures written to", HERE)
