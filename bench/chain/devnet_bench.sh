#!/usr/bin/env bash
# Chain throughput on a local devnet (issue 4 §8): signed transfers finalized per second on a
# 4-validator devnet of real cessd processes, the latency to finality and the finality lag in blocks.
#   bench/chain/devnet_bench.sh [BUILD_DIR] [RATE] [SECONDS]
# Defaults: build, 3000 tx/s offered, 20 s. Environment: ACCOUNTS (bench accounts, default 8000),
# BATCH (transactions per SubmitTransactions call, default 256), WARMUP (s, default 3).
# Prints one JSON line of figures (see tx_load.cc), including the CPU cores each cessd and the load
# generator used while sending.
set -euo pipefail
BUILD=${1:-build}
RATE=${2:-3000}
SECONDS_=${3:-20}
ACCOUNTS=${ACCOUNTS:-8000}
BATCH=${BATCH:-256}
WARMUP=${WARMUP:-3}
CESS="$BUILD/node/cess"
LOAD="$BUILD/bench/chain/cess_tx_load"
DIR=$(mktemp -d /tmp/cess-bench-XXXXXX)
trap '"$CESS" devnet down --dir "$DIR/devnet" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT

echo "devnet_bench: 4 validators, $ACCOUNTS bench accounts, offering $RATE tx/s for $SECONDS_ s in batches of $BATCH" >&2
"$CESS" devnet up --dir "$DIR/devnet" --validators 4 --miners 0 --bench-accounts "$ACCOUNTS" --log-level warn \
  --timeout 120 --json > "$DIR/up.json"
NODES=$(python3 -c "import json;print(','.join(n['address'] for n in json.load(open('$DIR/up.json'))['nodes']))")
PIDS=$(cat "$DIR"/devnet/node*/cessd.pid | tr '\n' ',' | sed 's/,$//')
"$LOAD" --nodes "$NODES" --accounts "$ACCOUNTS" --rate "$RATE" --seconds "$SECONDS_" --batch "$BATCH" \
  --warmup "$WARMUP" --cpu-pids "$PIDS"
