#!/usr/bin/env python3
"""Helper of ci/check-llama-cpp: token files, llama.cpp logits, and the comparison with LoRAKit's.

  llama_cpp_logits.py token-file IDS.txt OUT START COUNT
      writes ids[START:START+COUNT] (IDS.txt: whitespace-separated ids; COUNT 0 = to the end)
      as a LoRAKit token file (LKTOKENS, 4 bytes a token).
  llama_cpp_logits.py compare --model M.gguf --tokens T.lktokens --lorakit-base BASE.safetensors \
      [--case NAME ADAPTER.gguf LORAKIT.safetensors]... [--threads N] [--out-dir DIR]
      runs llama.cpp (llama-cpp-python) on the tokens of T without and with each adapter, on two
      bases: llama.cpp's own F32 dequantization of M (written to DIR/base-f32.gguf; same weights
      as LoRAKit multiplies, so differences are float32 rounding only) and M itself (quantized
      matmuls, activations quantized too); compares with LoRAKit's saved logits, prints a table,
      writes DIR/results.json, exits 1 if a check fails.

The token-file mode needs only the standard library; compare needs numpy and llama_cpp.
"""
import argparse
import json
import math
import os
import struct
import sys


def write_token_file(path, ids):
    with open(path, "wb") as f:
        f.write(b"LKTOKENS" + struct.pack("<IIQ", 4, 0, len(ids)) + struct.pack(f"<{len(ids)}I", *ids))


def read_token_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"LKTOKENS":
        raise SystemExit(f"{path}: not a LoRAKit token file")
    width, _, count = struct.unpack_from("<IIQ", data, 8)
    fmt = {2: "H", 4: "I"}[width]
    return list(struct.unpack_from(f"<{count}{fmt}", data, 24))


def read_safetensors(path):
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    base = 8 + n
    dtypes = {"F32": np.float32, "I32": np.int32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + start:base + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def sequence_loss(logits, ids):
    """Mean cross-entropy of ids[1:] given logits[:-1] (transformers' labels = input_ids), in float64."""
    import numpy as np
    x = logits[:-1].astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    lse = (m[:, 0] + np.log(np.exp(x - m).sum(axis=1)))
    target = x[np.arange(len(ids) - 1), np.asarray(ids[1:])]
    return float((lse - target).mean())


def llama_cpp_logits(model, ids, lora, threads, scale):
    import numpy as np
    import llama_cpp
    kwargs = dict(model_path=model, logits_all=True, n_ctx=max(64, len(ids)), n_batch=max(64, len(ids)),
                  n_ubatch=max(64, len(ids)), n_threads=threads, n_threads_batch=threads, seed=0,
                  n_gpu_layers=0, flash_attn=False, verbose=False,
                  # KV cache in F32, so that it is not one more rounding between the two sides.
                  type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32)
    if lora:
        kwargs.update(lora_path=lora, lora_scale=scale)
    llm = llama_cpp.Llama(**kwargs)
    if lora and getattr(llm, "_lora_adapter", None) is None:
        raise SystemExit(f"llama.cpp did not load the adapter {lora}")
    llm.reset()
    llm.eval(ids)
    logits = np.array(llm.scores[:len(ids)], dtype=np.float32, copy=True)
    llm.close() if hasattr(llm, "close") else None
    return logits


def log_softmax(x):
    import numpy as np
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def dequantized_copy(model, out, threads):
    """llama.cpp's own F32 copy of a quantized GGUF (llama_model_quantize to ALL_F32 with
    requantizing allowed: every tensor through ggml's to_float), so that llama.cpp multiplies the
    same dequantized weights as LoRAKit, in float32, without quantizing the activations."""
    import llama_cpp
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(model):
        return out
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_ALL_F32
    params.allow_requantize = True
    params.nthread = threads
    tmp = out + ".tmp"
    # llama.cpp logs every tensor to stderr: into OUT.log instead.
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(out + ".log", "w") as log:
        os.dup2(log.fileno(), 1), os.dup2(log.fileno(), 2)
        try:
            rc = llama_cpp.llama_model_quantize(model.encode(), tmp.encode(), params)
        finally:
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])
    if rc != 0:
        raise SystemExit(f"llama_model_quantize {model} -> F32 failed (log: {out}.log)")
    os.replace(tmp, out)
    return out


def compare_one(title, model, ids, base_lk, cases, threads, tol):
    """One llama.cpp model file against LoRAKit's logits: rows for the table, and failures."""
    import numpy as np
    n = len(ids)
    base_cpp = llama_cpp_logits(model, ids, None, threads, 1.0)
    if base_cpp.shape != base_lk.shape:
        raise SystemExit(f"llama.cpp logits have shape {base_cpp.shape}, LoRAKit's {base_lk.shape}")

    def absdiff(a, b):
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
        return float(d.max()), float(d.mean())

    rows, failures, results = [], [], {}
    entries = [("base (no adapter)", None, base_lk, base_cpp)]
    for name, adapter, lk in cases:
        entries.append((name, adapter, lk, llama_cpp_logits(model, ids, adapter, threads, 1.0)))
    base_max = base_mean = None
    for name, adapter, lk, cpp in entries:
        mx, mn = absdiff(lk, cpp)
        lmn = absdiff(log_softmax(lk), log_softmax(cpp))[1]
        agree = int((lk.argmax(axis=1) == cpp.argmax(axis=1)).sum())
        l_lk, l_cpp = sequence_loss(lk, ids), sequence_loss(cpp, ids)
        r = dict(max_diff=mx, mean_diff=mn, mean_logprob_diff=lmn, argmax_agree=agree, tokens=n,
                 loss_lorakit=l_lk, loss_llama_cpp=l_cpp)
        label = f"{title}/{name}"
        if adapter is None:
            base_max, base_mean = mx, mn
            emx = emn = None
            if mx > tol["base_max"] or mn > tol["base_mean"]:
                failures.append(f"{label}: max |Δ| {mx:.4g} (tolerance {tol['base_max']}), mean {mn:.4g} "
                                f"(tolerance {tol['base_mean']})")
        else:
            emx, emn = absdiff(lk, base_lk)                       # the adapter's effect in LoRAKit
            r.update(effect_max=emx, effect_mean=emn, effect_mean_llama_cpp=absdiff(cpp, base_cpp)[1])
            limit_max = tol["adapter_factor"] * base_max + tol["floor"]
            limit_mean = tol["adapter_factor"] * base_mean + tol["floor"] / 10
            if mx > limit_max or mn > limit_mean:
                failures.append(f"{label}: max |Δ| {mx:.4g} > {limit_max:.4g} or mean {mn:.4g} > {limit_mean:.4g} "
                                f"({tol['adapter_factor']}× the base's difference)")
            if emx < tol["effect_factor"] * mx or emn < tol["effect_factor"] * mn:
                failures.append(f"{label}: the adapter's effect (max {emx:.4g}, mean {emn:.4g}) is not "
                                f"{tol['effect_factor']}× the difference (max {mx:.4g}, mean {mn:.4g})")
        if abs(l_lk - l_cpp) > tol["loss"]:
            failures.append(f"{label}: loss {l_lk:.6f} vs {l_cpp:.6f} (tolerance {tol['loss']})")
        if agree < tol["argmax"] * n:
            failures.append(f"{label}: argmax agrees on {agree}/{n} (at least {tol['argmax']:.0%})")
        rows.append((label, mx, mn, lmn, agree, n, emx, emn, l_lk, l_cpp))
        results[name] = r
    return rows, failures, results


def compare(args):
    import llama_cpp
    ids = read_token_file(args.tokens)
    base = read_safetensors(args.lorakit_base)
    if list(base["input_ids"]) != ids:
        raise SystemExit(f"{args.lorakit_base}: input_ids differ from {args.tokens}")
    cases = []
    for name, adapter, path in args.case:
        lk = read_safetensors(path)
        if list(lk["input_ids"]) != ids:
            raise SystemExit(f"{path}: input_ids differ from {args.tokens}")
        cases.append((name, adapter, lk["logits"]))
    print(f"llama.cpp (llama-cpp-python {llama_cpp.__version__}): {len(ids)} tokens, vocabulary "
          f"{base['logits'].shape[1]}, {args.threads} threads, KV cache F32, no flash attention")
    f32 = dequantized_copy(args.model, os.path.join(args.out_dir or os.path.dirname(args.model),
                                                    "base-f32.gguf"), args.threads)
    # f32: llama.cpp on its own F32 copy of the base, so the only differences are float32
    #   summation order: tight tolerances, and the adapter's effect must dwarf them.
    # q: llama.cpp on the quantized file as shipped: its Q4_1/Q8_0 matmuls quantize the
    #   activations (Q8_1/Q8_0), so logits differ by ~0.1 (mostly a per-token shift, which the
    #   log-probabilities do not see); with the adapter the difference must stay of that order.
    tolerances = {
        "f32": dict(base_max=args.f32_max, base_mean=args.f32_max / 10, adapter_factor=2.0, floor=args.f32_max / 2,
                    effect_factor=1000.0, loss=1e-4, argmax=0.98),
        "quantized": dict(base_max=args.q_max, base_mean=args.q_mean, adapter_factor=2.0, floor=0.05,
                          effect_factor=10.0, loss=args.q_loss, argmax=args.q_argmax),
    }
    rows, failures, results = [], [], {}
    for title, model in (("f32", f32), ("quantized", args.model)):
        r, f, res = compare_one(title, model, ids, base["logits"], cases, args.threads, tolerances[title])
        rows += r
        failures += f
        results[title] = res

    print()
    print(f"{'llama.cpp base/case':<28} {'max|Δlogit|':>11} {'mean|Δlogit|':>12} {'mean|Δlogp|':>11} {'argmax':>7} "
          f"{'effect max':>10} {'effect mean':>11} {'loss LoRAKit':>12} {'loss llama.cpp':>14}")
    for label, mx, mn, lmn, agree, n, emx, emn, l_lk, l_cpp in rows:
        e1 = f"{emx:10.4f}" if emx is not None else f"{'-':>10}"
        e2 = f"{emn:11.4f}" if emn is not None else f"{'-':>11}"
        print(f"{label:<28} {mx:11.2e} {mn:12.2e} {lmn:11.2e} {agree:>3}/{n:<3} {e1} {e2} {l_lk:12.6f} {l_cpp:14.6f}")
    print("Δ = LoRAKit − llama.cpp on the same tokens (logits, and log-probabilities); effect = LoRAKit with the")
    print("adapter − LoRAKit without. f32: llama.cpp on its own F32 dequantization of the base; quantized: the file.")
    for title, t in tolerances.items():
        print(f"tolerances {title}: base max {t['base_max']:g}, mean {t['base_mean']:g}; with an adapter ≤ "
              f"{t['adapter_factor']:g}× the base difference (+{t['floor']:g}); effect ≥ {t['effect_factor']:g}× the "
              f"difference; |Δloss| ≤ {t['loss']:g}; argmax agreement ≥ {t['argmax']:.0%}")
    if args.out_dir:
        with open(os.path.join(args.out_dir, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print("OK: llama.cpp loads the adapters and its logits match LoRAKit's within the tolerances")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "token-file":
        ids_path, out, start, count = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        with open(ids_path) as f:
            ids = [int(x) for x in f.read().split()]
        chosen = ids[start:start + count] if count else ids[start:]
        if count and len(chosen) != count:
            raise SystemExit(f"{ids_path}: {len(ids)} ids, not enough for {start}+{count}")
        write_token_file(out, chosen)
        print(f"{out}: {len(chosen)} tokens")
        return 0
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["compare"])
    p.add_argument("--model", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--lorakit-base", required=True)
    p.add_argument("--case", nargs=3, action="append", default=[], metavar=("NAME", "ADAPTER", "LORAKIT_LOGITS"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out-dir")
    p.add_argument("--f32-max", type=float, default=1e-3, help="max |Δlogit| against llama.cpp's F32 base")
    p.add_argument("--q-max", type=float, default=2.0, help="max |Δlogit| against the quantized base")
    p.add_argument("--q-mean", type=float, default=0.5, help="mean |Δlogit| against the quantized base")
    p.add_argument("--q-loss", type=float, default=0.02, help="|Δloss| against the quantized base")
    p.add_argument("--q-argmax", type=float, default=0.85, help="argmax agreement against the quantized base")
    return compare(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
