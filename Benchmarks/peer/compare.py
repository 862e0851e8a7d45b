"""Runs `lorakit-bench train --device host` and peft_train.py on the same configurations,
interleaved round by round, and prints median tokens/s of each with their ratio.

Held equal on both sides: the Llama shape (random float32 weights, untied LM head), LoRA r=16,
alpha 32, dropout 0 on all seven projections, AdamW, sequence length and batch, no gradient
checkpointing, and the thread count (LoRAKit: OPENBLAS_NUM_THREADS and LORAKIT_HOST_THREADS;
PyTorch: torch.set_num_threads and OMP_NUM_THREADS). Each run builds its model afresh, does one
warm-up step and then times --steps steps; tokens/s counts every token of the sequences.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left as the environment has them (some machines set
them because older OpenBLAS builds misbehave on newer CPUs), unless --openblas-own-choice
removes them from LoRAKit's runs so that OpenBLAS picks its kernels for the CPU itself. The
OpenBLAS kernels each run used are printed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (lorakit-bench shape, hidden, intermediate, layers, heads, kv heads, vocabulary, seq, batch)
SHAPES = {"small32k": (512, 1376, 8, 8, 2, 32000), "100m": (768, 2048, 12, 12, 4, 256), "bundled": (256, 688, 4, 8, 4, 256)}
CONFIGS = {f"{shape}@{seq}": (shape, seq, 4 if seq == 256 else 1) for shape in SHAPES for seq in (256, 1024)}
MODULES = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lorakit-bench", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--config", action="append", choices=sorted(CONFIGS), help="default: all six")
    p.add_argument("--openblas-own-choice", action="store_true")
    p.add_argument("--json", help="also write every record to this file, one JSON object per line")
    return p.parse_args()


def run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"compare.py: {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])


def lorakit(args, name):
    shape, seq, batch = CONFIGS[name]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), LORAKIT_HOST_THREADS=str(args.threads))
    if args.openblas_own_choice:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    command = [args.lorakit_bench, "train", "--json", "--device", "host", "--model", shape, "--seq-len", str(seq),
               "--batch", str(batch), "--steps", str(args.steps), "--lora-only", "--rank", "16", "--alpha", "32",
               "--dropout", "0", "--targets", MODULES, "--checkpointing", "off"]
    return run(command, env)


def pytorch(args, name):
    shape, seq, batch = CONFIGS[name]
    hidden, intermediate, layers, heads, kv, vocab = SHAPES[shape]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    command = [sys.executable, os.path.join(HERE, "peft_train.py"), "--hidden", str(hidden), "--intermediate", str(intermediate),
               "--layers", str(layers), "--heads", str(heads), "--kv-heads", str(kv), "--vocab", str(vocab),
               "--seq-len", str(seq), "--batch", str(batch), "--steps", str(args.steps), "--threads", str(args.threads),
               "--rank", "16", "--alpha", "32", "--dropout", "0", "--label", name]
    return run(command, env)


def main():
    args = parse()
    names = args.config or list(CONFIGS)
    records = {(name, side): [] for name in names for side in ("lorakit", "pytorch")}
    log = open(args.json, "w") if args.json else None
    for round_index in range(args.rounds):
        for name in names:
            for side, measure in (("lorakit", lorakit), ("pytorch", pytorch)):
                record = measure(args, name)
                record.update(config=name, side=side, round=round_index)
                records[(name, side)].append(record)
                print(f"round {round_index + 1}/{args.rounds} {name:<16} {side:<8} {record['tokens_per_s']:8.0f} tokens/s",
                      file=sys.stderr, flush=True)
                if log:
                    log.write(json.dumps(record) + "\n")
                    log.flush()
    blas = records[(names[0], "lorakit")][0].get("driver", "?")
    torch = records[(names[0], "pytorch")][0]["torch"]
    print(f"\n{args.threads} threads, {args.rounds} interleaved rounds of {args.steps} timed steps; medians. "
          f"LoRAKit host: {blas}. PyTorch {torch}.\n")
    print("| configuration | parameters | seq×batch | LoRAKit host tokens/s | PyTorch + PEFT tokens/s | LoRAKit / PyTorch | spread of the ratio |")
    print("|---------------|-----------:|-----------|---------------------:|------------------------:|------------------:|--------------------|")
    for name in names:
        ours = [r["tokens_per_s"] for r in records[(name, "lorakit")]]
        theirs = [r["tokens_per_s"] for r in records[(name, "pytorch")]]
        ratios = [a / b for a, b in zip(ours, theirs)]
        shape, seq, batch = CONFIGS[name]
        parameters = records[(name, "lorakit")][0]["parameters"]
        print(f"| {shape} | {parameters / 1e6:.1f} M | {seq}×{batch} | {statistics.median(ours):.0f} | {statistics.median(theirs):.0f} "
              f"| **{statistics.median(ours) / statistics.median(theirs):.2f}×** | {min(ratios):.2f}–{max(ratios):.2f} |")


if __name__ == "__main__":
    main()
