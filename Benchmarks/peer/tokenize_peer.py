#!/usr/bin/env python3
"""The `tokenizers` package's encode throughput on one thread, on the same chunks and tokenizer
folders as `lorakit-bench tokenize`, for a side-by-side comparison.

    RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false \\
      ~/.cache/lorakit/ref-venv/bin/python Benchmarks/peer/tokenize_peer.py [--lorakit .build/release/lorakit-bench]

With --lorakit, runs that binary's `tokenize --json` with the same options, one (tokenizer, file)
pair at a time right before measuring the same pair here, and prints both MB/s with their ratio,
and whether the ids agree (count and checksum: a check on the whole text, not just speed).
"""
import argparse, glob, json, os, statistics, subprocess, sys, time

# One thread, set before tokenizers loads its thread pool.
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "LoRAKitTokenizersTests", "Fixtures")


def chunks(data, chunk_bytes, max_bytes):
    """The same cut as TokenizeBenchmark.chunks: max_bytes back to a line end, lines gathered to chunk_bytes."""
    if max_bytes > 0 and len(data) > max_bytes:
        end = data.rfind(b"\n", 0, max_bytes)
        data = data[: end + 1] if end >= 0 else data[:max_bytes]
    out, start = [], 0
    for index, byte in enumerate(data):
        if byte == 10 and index + 1 - start >= chunk_bytes:
            out.append(data[start: index + 1].decode("utf-8", errors="replace"))
            start = index + 1
    if start < len(data):
        out.append(data[start:].decode("utf-8", errors="replace"))
    return out


def fnv1a(ids_lists):
    """FNV-1a (64-bit) over every id as 4 little-endian bytes, as TokenizeBenchmark computes it."""
    h = 0xCBF29CE484222325
    for ids in ids_lists:
        for i in ids:
            for b in i.to_bytes(4, "little"):
                h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "x")


def measure(tok, texts, repeats):
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    warm = [tok.encode(t, add_special_tokens=False).ids for t in texts]  # warm-up pass
    tokens = sum(len(ids) for ids in warm)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for t in texts:
            tok.encode(t, add_special_tokens=False)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"bytes": nbytes, "tokens": tokens, "ids_fnv1a": fnv1a(warm), "median_s": median,
            "mb_per_s": nbytes / median / 1e6}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", action="append", default=[])
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--chunk-bytes", type=int, default=4096)
    ap.add_argument("--max-bytes", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lorakit", help="path of lorakit-bench, to run it with the same options")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    folders = args.tokenizer or [os.path.join(FIXTURES, n) for n in ("llama2", "llama3", "qwen2", "smollm2")]
    files = args.file or sorted(glob.glob(os.path.join(ROOT, "Bundled", "texts", "*.txt")))

    def lorakit(folder, path):
        """lorakit-bench on one (tokenizer, file) pair, run right before the peer measures the same
        pair, so that both see the same machine load."""
        cmd = [args.lorakit, "tokenize", "--json", "--chunk-bytes", str(args.chunk_bytes), "--max-bytes",
               str(args.max_bytes), "--repeats", str(args.repeats), "--tokenizer", folder, "--file", path]
        return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[0])

    texts = {path: chunks(open(path, "rb").read(), args.chunk_bytes, args.max_bytes) for path in files}
    rows = []
    for folder in folders:
        tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        for path in files:
            ours = lorakit(folder, path) if args.lorakit else None
            result = measure(tok, texts[path], args.repeats)
            record = dict(suite="tokenize-peer", tokenizer=os.path.basename(folder), file=os.path.basename(path), **result)
            if ours:
                record["lorakit_mb_per_s"] = ours["mb_per_s"]
                record["ratio"] = ours["mb_per_s"] / result["mb_per_s"]
                record["same_ids"] = ours["ids_fnv1a"] == result["ids_fnv1a"] and ours["tokens"] == result["tokens"]
            rows.append(record)
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    header = f"{'tokenizer':18} {'file':12} {'MB':>6} {'tokens':>8} {'tokenizers MB/s':>16}"
    if args.lorakit:
        header += f" {'LoRAKit MB/s':>13} {'LoRAKit/peer':>13} {'same ids':>9}"
    print(header)
    for r in rows:
        line = f"{r['tokenizer']:18} {r['file']:12} {r['bytes'] / 1e6:6.2f} {r['tokens']:8d} {r['mb_per_s']:16.2f}"
        if "ratio" in r:
            line += f" {r['lorakit_mb_per_s']:13.2f} {r['ratio']:13.2f} {str(r['same_ids']):>9}"
        print(line)
    print(f"\nOne thread (RAYON_NUM_THREADS=1); encode(add_special_tokens=False) per {args.chunk_bytes}-byte chunk; "
          f"median of {args.repeats} passes after a warm-up.")


if __name__ == "__main__":
    main()
