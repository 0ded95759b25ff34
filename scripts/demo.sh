#!/usr/bin/env bash
# The main demo: an AI-LINK federated training simulation on real Fashion-MNIST.
# 12 clients hold dirichlet:0.5 (non-IID) shares of the training set; 2 of them are Byzantine and
# send Gaussian noise (sigma = 100). Plain `mean` aggregation collapses; the default robust rule
# (guard|mean) keeps learning. Writes evaluations.csv, summary.json and accuracy.png to $DEMO_OUT.
set -euo pipefail
BUILD=${1:-build}
CESS="$BUILD/node/cess"
OUT=${DEMO_OUT:-demo-out}
[ -x "$CESS" ] || { echo "demo: $CESS not built (run make build)" >&2; exit 1; }
[ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] ||
  { echo "demo: Fashion-MNIST missing (scripts/setup.sh installs dataset-fashion-mnist)" >&2; exit 1; }

"$CESS" fl simulate \
  --dataset fashion-mnist --partition dirichlet:0.5 --model cnn-small \
  --clients 12 --byzantine 2 --attack gaussian:sigma=100 \
  --rule mean,guard\|mean \
  --rounds ${DEMO_ROUNDS:-300} --local-steps 1 --batch 32 --lr 0.05 --momentum 0.9 \
  --eval-every 20 --seed 1 --out "$OUT"
echo "plot: $OUT/accuracy.png   (make demo-kernels runs the erasure-coding and hashing demo)"
