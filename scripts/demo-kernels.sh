#!/usr/bin/env bash
# The demo until the AI-LINK engine lands: erasure-code a real file with RS 4+8 on every backend,
# delete 8 random fragments, rebuild, and check the rebuilt file's FID and bytes.
set -euo pipefail
BUILD=${1:-build}
CESS="$BUILD/node/cess"
FILE=${DEMO_FILE:-/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz}
[ -x "$CESS" ] || { echo "demo: $CESS not built (run make build)" >&2; exit 1; }
[ -r "$FILE" ] || { echo "demo: $FILE missing (scripts/setup.sh installs dataset-fashion-mnist)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
size=$(stat -c %s "$FILE")
fid=$("$CESS" hash fid "$FILE" --segment-size 1048576 | awk '/^fid/{print $2}')
echo "== CESS kernels demo: RS 4+8 on $FILE ($size bytes)"
echo "   FID (1 MiB segments, devnet profile): $fid"
printf '%-8s %-16s %-16s %-18s %s\n' backend encode decode lost result
for backend in ref cpu cuda; do
  dir="$work/$backend"
  if ! enc=$("$CESS" ec encode --k 4 --m 8 --in "$FILE" --out "$dir" --backend "$backend" 2>&1); then
    printf '%-8s skipped: %s\n' "$backend" "$(echo "$enc" | tail -1)"
    continue
  fi
  enc_rate=$(echo "$enc" | sed -n 's/.*coding \(.*\)$/\1/p')
  lost=$(seq 0 11 | shuf -n 8 | sort -n | paste -sd,)
  for i in ${lost//,/ }; do rm -f "$dir/$i"; done
  dec=$("$CESS" ec decode --in "$dir" --out "$work/rebuilt.$backend" --backend "$backend" 2>/dev/null)
  dec_rate=$(echo "$dec" | sed -n 's/.*coding \(.*\)$/\1/p')
  got=$("$CESS" hash fid "$work/rebuilt.$backend" --segment-size 1048576 | awk '/^fid/{print $2}')
  if [ "$got" = "$fid" ] && cmp -s "$FILE" "$work/rebuilt.$backend"; then result="FID ok, bytes identical"
  else result="MISMATCH"; fi
  printf '%-8s %-16s %-16s %-18s %s\n' "$backend" "$enc_rate" "$dec_rate" "$lost" "$result"
  [ "$result" != MISMATCH ] || exit 1
done
echo "(encode/decode: coding throughput of the chosen backend over the file's bytes; 'lost' lists the deleted fragments)"
