#!/usr/bin/env bash
# Upload and download of one file to and from 12 local miners on a devnet (issue 5 §9): a devnet of
# 4 validators, one enclave and 12 miners (real processes on loopback), then REPS times
# `cess storage put` (fresh random content each time, waiting until the file is Active) and
# `cess storage get`, byte-compared. Prints the per-phase medians as one JSON line:
#   encode_s   segmenting, hashing, RS(4,8) and fragment hashing on the client
#   push_s     pushing the 768 fragments (3x the file) to the 12 miners, one PutFragments stream
#              and one group commit (fsync) per miner, after the declaration
#   data_up_s  encode + push: the data path of an upload (the declaration comes between them)
#   put_total_s  encode + declare + push (early push: encode + the longer of declare and push)
#   declare_s  the upload declaration: submitted and finalized on chain
#   get_s      `cess storage get`: fetch any 4 of 12 per segment, verify, decode, write, fsync
#   put_wall_s, get_wall_s  the whole commands as a user runs them (process start included; the
#              put returns once every fragment is durable and the declaration final, --no-wait)
# After each put the script waits until the file is Active (transfer and tag reports), so that the
# enclave's tagging of one file never overlaps the next put.
#   bench/storage/storage_devnet_bench.sh [BUILD_DIR] [SIZE_MIB] [REPS] [VARIANTS]
# Defaults: build, 64, 5, one variant with no flags. VARIANTS is a '|'-separated list of put flag
# sets, run in turn within each rep on the same devnet (a fair side-by-side comparison on a noisy
# machine), one JSON line each: e.g. '|--early-push' compares the default with the early push,
# which pushes while encoding, before the declaration (push_s then counts from the end of
# encoding, and the declaration runs alongside the push).
set -euo pipefail
BUILD=${1:-build}
SIZE_MIB=${2:-64}
REPS=${3:-5}
VARIANTS=${4:-}
CESS="$BUILD/node/cess"
DIR=$(mktemp -d /tmp/cess-sbench-XXXXXX)
trap '"$CESS" devnet down --dir "$DIR/dn" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
IFS='|' read -r -a FLAGS <<< "$VARIANTS|"  # the trailing '|' keeps an empty last variant
[ "${#FLAGS[@]}" -gt 1 ] && [ -z "${FLAGS[-1]}" ] && [[ "$VARIANTS" != *"|" ]] && unset 'FLAGS[-1]'
[ "${#FLAGS[@]}" -eq 0 ] && FLAGS=("")

echo "storage_devnet_bench: 4 validators, 12 miners, ${SIZE_MIB} MiB x $REPS, variants: ${FLAGS[*]@Q}" >&2
"$CESS" devnet up --dir "$DIR/dn" --miners 12 --miner-capacity $((8 << 30)) --log-level warn --timeout 180 \
  --json > "$DIR/up.json"
for i in $(seq 1 "$REPS"); do
  for v in "${!FLAGS[@]}"; do
    head -c $((SIZE_MIB << 20)) /dev/urandom > "$DIR/in"
    t0=$(date +%s.%N)
    "$CESS" storage put "$DIR/in" --dir "$DIR/dn" --json --no-wait ${FLAGS[$v]} > "$DIR/put$v-$i.json"
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' > "$DIR/putwall$v-$i"
    FID=$(python3 -c "import json;print(json.load(open('$DIR/put$v-$i.json'))['fid'])")
    # Wait until Active, so that the enclave's tagging never overlaps the next put.
    for _ in $(seq 1 600); do
      "$CESS" storage stat "$FID" --dir "$DIR/dn" --json |
        python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['state'] == 'active' else 1)" && break
      sleep 0.5
    done
    sync
    t0=$(date +%s.%N)
    "$CESS" storage get "$FID" -o "$DIR/out" --dir "$DIR/dn" --json > "$DIR/get$v-$i.json"
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' > "$DIR/getwall$v-$i"
    cmp -s "$DIR/in" "$DIR/out" || { echo "download $i differs from the upload" >&2; exit 1; }
    rm -f "$DIR/out"
  done
done
for v in "${!FLAGS[@]}"; do
python3 - "$DIR" "$REPS" "$SIZE_MIB" "$v" "${FLAGS[$v]}" <<'PY'
import json, statistics, sys
d, reps, size, v, flags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
puts = [json.load(open(f"{d}/put{v}-{i}.json")) for i in range(1, reps + 1)]
gets = [json.load(open(f"{d}/get{v}-{i}.json")) for i in range(1, reps + 1)]
med = lambda xs: round(statistics.median(xs), 3)
out = {"put_flags": flags, "size_mib": size, "reps": reps, "early_push": puts[0].get("early_push", False),
       "put_total_s": med([p["encode_s"] + (max(p["push_s"], p["declare_s"]) if p.get("early_push") else p["declare_s"] + p["push_s"]) for p in puts]),
       "encode_s": med([p["encode_s"] for p in puts]), "push_s": med([p["push_s"] for p in puts]),
       "data_up_s": med([p["encode_s"] + p["push_s"] for p in puts]),
       "declare_s": med([p["declare_s"] for p in puts]),
       "get_s": med([g["seconds"] for g in gets]),
       "put_wall_s": med([float(open(f"{d}/putwall{v}-{i}").read()) for i in range(1, reps + 1)]),
       "get_wall_s": med([float(open(f"{d}/getwall{v}-{i}").read()) for i in range(1, reps + 1)]),
       "all_put": [{k: round(p[k], 3) for k in ("encode_s", "push_s", "declare_s")} for p in puts],
       "all_get": [round(g["seconds"], 3) for g in gets]}
print(json.dumps(out))
PY
done
