"""Two LoRAKit variants side by side: two builds of lorakit-bench, or one build under two sets of
environment variables, trained on the same configurations in paired turns (as compare.py pairs
LoRAKit with PyTorch), printing each variant's median tokens/s and the median of the pairs'
ratios B / A with their quartiles. This is how a change to the host path is measured on a
noisy machine: a 5 % effect is visible here where separate runs differ by 20 %.

    python ab_lorakit.py --a-bench OLD/lorakit-bench --b-bench NEW/lorakit-bench --config bundled@1024 --pairs 12
    python ab_lorakit.py --a-bench B --b-bench B --b-env OPENBLAS_THREAD_TIMEOUT=4 --config small32k@256
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--a-bench", required=True, help="lorakit-bench of variant A")
    p.add_argument("--b-bench", required=True, help="lorakit-bench of variant B (may be the same file)")
    p.add_argument("--a-env", action="append", default=[], metavar="NAME=VALUE", help="environment of A's runs (repeatable)")
    p.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE", help="environment of B's runs (repeatable)")
    p.add_argument("--config", action="append", choices=sorted(compare.CONFIGS), help="default: all six")
    p.add_argument("--pairs", type=int, default=12)
    p.add_argument("--burst", type=int, default=3, help="steps per turn, the first untimed (min 2)")
    p.add_argument("--pause", type=float, default=0.3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    args.burst = max(2, args.burst)
    args.openblas_own_choice = False
    return args


def server(args, name, bench, assignments):
    command, env = compare.lorakit_command(args, name, args.pairs * args.burst, bench)
    env.update(item.split("=", 1) for item in assignments)
    return compare.Server(command + ["--serve"], env)


def measure(args, name):
    variants = [server(args, name, args.a_bench, args.a_env), server(args, name, args.b_bench, args.b_env)]
    rates = [[], []]
    for index in range(args.pairs):
        for side in ((0, 1) if index % 2 == 0 else (1, 0)):
            time.sleep(args.pause)
            rates[side].append(variants[side].steps(args.burst))
    for variant in variants:
        variant.close()
    return rates


def main():
    args = parse()
    print(f"A: {args.a_bench} {' '.join(args.a_env)}\nB: {args.b_bench} {' '.join(args.b_env)}\n"
          f"{args.pairs} paired turns of {args.burst} steps (first untimed), {args.threads} threads\n")
    print("| configuration | A tokens/s | B tokens/s | B / A (median of pairs) | pairs' quartiles |")
    print("|---------------|-----------:|-----------:|------------------------:|------------------|")
    for name in args.config or list(compare.CONFIGS):
        a, b = measure(args, name)
        ratios = [y / x for x, y in zip(a, b)]
        low, high = compare.quartiles(ratios)
        print(f"| {name} | {statistics.median(a):.0f} | {statistics.median(b):.0f} | **{statistics.median(ratios):.3f}** | {low:.3f}–{high:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
