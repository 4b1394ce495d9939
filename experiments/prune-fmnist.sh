#!/usr/bin/env bash
# The pruning experiment of issue 5 (docs/prune.md, docs/validation.md): the Fashion-MNIST
# baseline (fmnist_alexnet, 4 epochs on all 60,000 images), then magnitude pruning and
# energy-aware pruning, each to at most a 1-point top-1 drop on all 10,000 test images, energy
# on the eyeriss preset. Writes experiments/results/prune-fmnist/: original.onnx, pruned.onnx
# (energy-aware), pruned-magnitude.onnx, pruned-energy.onnx, report.json, report.txt,
# tradeoff.svg, and time.txt (wall-clock seconds).
#
#   experiments/prune-fmnist.sh                  # after scripts/setup
#   experiments/prune-fmnist.sh NAME [OPTION...]  # a variant: results/prune-fmnist-NAME/, with
#                                                 # extra erg prune options, e.g.
#   experiments/prune-fmnist.sh finetune40k --finetune-images 40000
set -euo pipefail
cd "$(dirname "$0")/.."
out=experiments/results/prune-fmnist
if (($# > 0)); then
  out="$out-$1"
  shift
fi
mkdir -p "$out"
start=$(date +%s)
build/erg prune --method both --arch eyeriss --max-drop 1.0 --out "$out" --seed 1 "$@"
echo "$(($(date +%s) - start))" >"$out/time.txt"
echo "experiment: $(cat "$out/time.txt") s"
