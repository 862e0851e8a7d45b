"""The peer of `lorakit-bench attention`: forward plus backward of one layer's causal attention in
PyTorch's scaled_dot_product_attention on the CPU, at the same shapes, printed as a table.

    python sdpa_attention.py --threads 2 [--shape bundled@1024 ...]

The call is the one transformers makes for a Llama without a padding mask: is_causal=True and
enable_gqa=True (key/value heads shared by their query heads without copies). GFLOP/s count the
causal products only, as LoRAKit's benchmark does: 6 products of T²/2·d multiply-adds per head.
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import SHAPES  # noqa: E402  (hidden, intermediate, layers, heads, kv heads, vocabulary)


def measure(name, sequence, repeats):
    hidden, _, _, heads, kv_heads, _ = SHAPES[name]
    d = hidden // heads
    batch = 4 if sequence <= 256 else 1
    generator = torch.Generator().manual_seed(1)
    q = torch.randn(batch, heads, sequence, d, generator=generator, requires_grad=True)
    k = torch.randn(batch, kv_heads, sequence, d, generator=generator, requires_grad=True)
    v = torch.randn(batch, kv_heads, sequence, d, generator=generator, requires_grad=True)
    grad = torch.randn(batch, heads, sequence, d, generator=generator)

    def step():
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        out.backward(grad)

    for _ in range(2):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    median = sorted(times)[len(times) // 2]
    flops = 6 * batch * heads * sequence * sequence * d
    return batch, median, flops / median / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--shape", action="append", help="NAME@T (default: bundled and 100m at 256 and 1024)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    shapes = args.shape or ["bundled@256", "bundled@1024", "100m@256", "100m@1024"]
    print(f"torch {torch.__version__}, {args.threads} threads")
    print("| shape | seq×batch | ms | GFLOP/s |")
    print("|-------|-----------|---:|--------:|")
    for text in shapes:
        name, sequence = text.split("@")
        batch, median, gflops = measure(name, int(sequence), args.repeats)
        print(f"| {text} | {sequence}×{batch} | {median * 1e3:.2f} | {gflops:.1f} |")


if __name__ == "__main__":
    main()
