#!/usr/bin/env bash
# Analytical against simulated energy (issue 6; docs/simulate.md, docs/validation.md): erg simulate
# on
#   (a) the trained Fashion-MNIST network and its energy-aware-pruned version (from
#       experiments/prune-fmnist.sh, run first if its models are absent) on 1,000 test images;
#   (b) torchvision's AlexNet and GoogLeNet (tests/data/onnx, shape-only exports) with seeded
#       random weights (--random-weights 1, He initialisation) on eight photographs
#       (scripts/sample-images);
# each on the eyeriss preset, once with the arch's own coding (significance maps at DRAM, as the
# analytical model) and once coding DRAM traffic run-length in the simulation (as the Eyeriss chip
# and seed 004's simulator). Writes experiments/results/simulate/*.json and time.txt; then
# `scripts/validation` quotes them in docs/validation.md.
#
#   experiments/simulate-validation.sh          # after scripts/setup
set -euo pipefail
cd "$(dirname "$0")/.."
out=experiments/results/simulate
mkdir -p "$out"
scripts/sample-images
fm=experiments/results/prune-fmnist
if [[ ! -f $fm/original.onnx || ! -f $fm/pruned-energy.onnx ]]; then
  experiments/prune-fmnist.sh
fi
start=$(date +%s)
run() {  # name, model, then erg simulate options
  local name=$1 model=$2
  shift 2
  for coding in arch rle; do
    echo "simulate-validation: $name ($coding)"
    build/erg simulate "$model" --arch eyeriss --coding "$coding" --format json \
      -o "$out/$name-$coding.json" "$@" 2>>"$out/stderr.log"
  done
}
rm -f "$out/stderr.log"
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
run fmnist-original "$fm/original.onnx" --input "$images" --images 1000
run fmnist-pruned "$fm/pruned-energy.onnx" --input "$images" --images 1000
run alexnet tests/data/onnx/alexnet.onnx --input experiments/images --images 8 --random-weights 1
run googlenet tests/data/onnx/googlenet.onnx --input experiments/images --images 8 \
  --random-weights 1
echo "$(($(date +%s) - start))" >"$out/time.txt"
echo "simulate-validation: $(cat "$out/time.txt") s; results in $out"
