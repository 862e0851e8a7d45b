#!/usr/bin/env bash
# Reproduces the bundled base model Bundled/kjv-llama-3m from scratch with LoRAKit itself:
# `lorakit init` draws the random weights, `lorakit train --full` pretrains every weight on the
# King James Bible (Bundled/texts/kjv.txt) on the host CPU. About 20 minutes on 2 cores.
#
#   Bundled/pretrain.sh [OUT]          (default OUT: Bundled/kjv-llama-3m)
#   LORAKIT=/path/to/lorakit Bundled/pretrain.sh   to use a binary built elsewhere
#
# The same binary on the same CPU gives the same bytes; another BLAS build or CPU may differ in
# the last bits (summation order), and so in the trained weights.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-Bundled/kjv-llama-3m}
lorakit=${LORAKIT:-}
if [[ -z "$lorakit" ]]; then
    swift build -c release --product lorakit
    lorakit="$(swift build -c release --show-bin-path)/lorakit"
fi
work=$(mktemp -d)
"$lorakit" init --out "$work/init" --hidden 256 --intermediate 688 --layers 4 --heads 8 --kv-heads 4 --vocab 256 \
    --max-positions 1024 --seed 0
"$lorakit" train --full --model "$work/init" --data Bundled/texts/kjv.txt --out "$work/trained" --device host \
    --steps 2000 --batch 8 --seq-len 256 --lr 1.5e-3 --warmup-steps 100 --lr-scheduler cosine \
    --weight-decay 0.1 --adam-beta2 0.95 --max-grad-norm 1 --held-out 0.01 --eval-every 250 --seed 0
mkdir -p "$out"
cp "$work/trained/config.json" "$work/trained/model.safetensors" "$work/trained/metrics.csv" "$work/trained/loss.svg" "$out/"
rm -rf "$work"
echo "wrote $out"
