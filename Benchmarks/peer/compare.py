"""Runs `lorakit-bench train --device host` and peft_train.py on the same configurations and
prints median tokens/s of each with their ratio.

By default both programs stay loaded side by side (`--serve`) and take turns of --burst steps
(--pairs turns each, the order flipped every pair, --pause seconds of quiet before each turn so
the other side's spinning BLAS threads have gone idle; a turn's first step, which wakes its side
up, is not timed); the ratio reported is the median of the pairs' ratios, whose quartiles are
shown. Steps seconds apart see the same machine, so a
noisy VM moves both sides of a pair alike. --whole-runs runs each side as its own process per
round instead (--rounds, --steps), as earlier tables did.

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
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (lorakit-bench shape, hidden, intermediate, layers, heads, kv heads, vocabulary, seq, batch)
SHAPES = {"small32k": (512, 1376, 8, 8, 2, 32000), "100m": (768, 2048, 12, 12, 4, 256), "bundled": (256, 688, 4, 8, 4, 256)}
CONFIGS = {f"{shape}@{seq}": (shape, seq, 4 if seq == 256 else 1) for shape in SHAPES for seq in (256, 1024)}
MODULES = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lorakit-bench", required=True)
    p.add_argument("--pairs", type=int, default=12, help="paired mode: steps per side")
    p.add_argument("--burst", type=int, default=3, help="paired mode: steps per turn, the first untimed (min 2)")
    p.add_argument("--pause", type=float, default=0.3, help="paired mode: seconds of quiet before each turn")
    p.add_argument("--whole-runs", action="store_true", help="one process per side and round instead of paired steps")
    p.add_argument("--rounds", type=int, default=3, help="--whole-runs: rounds")
    p.add_argument("--steps", type=int, default=4, help="--whole-runs: timed steps per run")
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


def lorakit_command(args, name, steps, bench=None):
    shape, seq, batch = CONFIGS[name]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), LORAKIT_HOST_THREADS=str(args.threads))
    if args.openblas_own_choice:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    command = [bench or args.lorakit_bench, "train", "--json", "--device", "host", "--model", shape, "--seq-len", str(seq),
               "--batch", str(batch), "--steps", str(steps), "--lora-only", "--rank", "16", "--alpha", "32",
               "--dropout", "0", "--targets", MODULES, "--checkpointing", "off"]
    return command, env


def lorakit(args, name):
    return run(*lorakit_command(args, name, args.steps))


def pytorch_command(args, name, steps):
    shape, seq, batch = CONFIGS[name]
    hidden, intermediate, layers, heads, kv, vocab = SHAPES[shape]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    command = [sys.executable, os.path.join(HERE, "peft_train.py"), "--hidden", str(hidden), "--intermediate", str(intermediate),
               "--layers", str(layers), "--heads", str(heads), "--kv-heads", str(kv), "--vocab", str(vocab),
               "--seq-len", str(seq), "--batch", str(batch), "--steps", str(steps), "--threads", str(args.threads),
               "--rank", "16", "--alpha", "32", "--dropout", "0", "--label", name]
    return command, env


def pytorch(args, name):
    return run(*pytorch_command(args, name, args.steps))


class Server:
    """A side kept loaded with --serve: one timed step per request."""

    def __init__(self, command, env):
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.ready = self.read()

    def read(self):
        while True:
            line = self.process.stdout.readline()
            if not line:
                sys.exit(f"compare.py: {' '.join(self.process.args)} ended early (exit {self.process.wait()})")
            if line.startswith("{"):
                return json.loads(line)

    def steps(self, count):
        """Runs `count` steps back to back; tokens/s over all but the first (which wakes the side up)."""
        self.process.stdin.write("step\n" * count)
        self.process.stdin.flush()
        records = [self.read() for _ in range(count)][1:]
        return sum(r["tokens"] for r in records) / sum(r["step_s"] for r in records)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def paired(args, name, log):
    """Both sides loaded at once, single steps alternated; returns the per-pair tokens/s."""
    sides = {}
    for side, make in (("lorakit", lorakit_command), ("pytorch", pytorch_command)):
        command, env = make(args, name, args.pairs * args.burst)
        sides[side] = Server(command + ["--serve"], env)
    rates = {"lorakit": [], "pytorch": []}
    for index in range(args.pairs):
        order = ("lorakit", "pytorch") if index % 2 == 0 else ("pytorch", "lorakit")
        for side in order:
            time.sleep(args.pause)
            rates[side].append(sides[side].steps(args.burst))
        print(f"pair {index + 1}/{args.pairs} {name:<16} lorakit {rates['lorakit'][-1]:8.0f}  pytorch {rates['pytorch'][-1]:8.0f} tokens/s",
              file=sys.stderr, flush=True)
        if log:
            log.write(json.dumps({"config": name, "pair": index, "lorakit": rates["lorakit"][-1], "pytorch": rates["pytorch"][-1]}) + "\n")
            log.flush()
    meta = {side: server.ready for side, server in sides.items()}
    for server in sides.values():
        server.close()
    return rates, meta


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def main_paired(args, names, log):
    results = {name: paired(args, name, log) for name in names}
    first = results[names[0]][1]
    print(f"\n{args.threads} threads, {args.pairs} paired turns of {args.burst} steps (first untimed) per configuration, order "
          f"flipped each pair, {args.pause} s pause before each turn; medians. LoRAKit host: {first['lorakit'].get('driver', '?')}. PyTorch {first['pytorch']['torch']}.\n")
    print("| configuration | parameters | seq×batch | LoRAKit host tokens/s | PyTorch + PEFT tokens/s | LoRAKit / PyTorch (median of pairs) | pairs' quartiles |")
    print("|---------------|-----------:|-----------|---------------------:|------------------------:|------------------:|--------------------|")
    for name in names:
        (rates, meta) = results[name]
        ratios = [a / b for a, b in zip(rates["lorakit"], rates["pytorch"])]
        low, high = quartiles(ratios)
        shape, seq, batch = CONFIGS[name]
        print(f"| {shape} | {meta['lorakit']['parameters'] / 1e6:.1f} M | {seq}×{batch} | {statistics.median(rates['lorakit']):.0f} "
              f"| {statistics.median(rates['pytorch']):.0f} | **{statistics.median(ratios):.2f}×** | {low:.2f}–{high:.2f} |")


def main():
    args = parse()
    args.burst = max(2, args.burst)
    names = args.config or list(CONFIGS)
    log = open(args.json, "w") if args.json else None
    if not args.whole_runs:
        return main_paired(args, names, log)
    main_whole_runs(args, names, log)


def main_whole_runs(args, names, log):
    records = {(name, side): [] for name in names for side in ("lorakit", "pytorch")}
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
