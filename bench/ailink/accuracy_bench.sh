#!/usr/bin/env bash
# Accuracy under attack, the figure users compare (issue 3 §9; ByzFL's measure): Fashion-MNIST,
# n=12 clients of which f=2 Byzantine, client-side momentum. For each partition and each attack,
# every rule runs side by side on the same seeds (one `cess fl simulate` per partition × attack);
# then, per rule, its worst final accuracy over the attacks, next to attack-free `mean`.
#
#   bench/ailink/accuracy_bench.sh [BUILD_DIR] [OUT_DIR]
# Environment: ROUNDS (default 200), MODEL (cnn-small), PARTITIONS ("dirichlet:0.5 shards"),
# ATTACKS ("signflip gaussian:sigma=100 alie:z=1.5 ipm:eps=0.5 mimic"), RULES (comma list),
# LR (0.05), MOMENTUM (0.9), BATCH (32), SEED (1), EVAL_EVERY (25), CESS (the binary; default
# BUILD_DIR/node/cess).
# Writes OUT_DIR/<partition>/<attack>/{evaluations.csv,summary.json,accuracy.png} and
# OUT_DIR/summary.md (the table).
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-bench/out/accuracy}
CESS=${CESS:-"$BUILD/node/cess"}
[ -x "$CESS" ] || { echo "accuracy_bench: $CESS not built" >&2; exit 1; }
ROUNDS=${ROUNDS:-200}
MODEL=${MODEL:-cnn-small}
PARTITIONS=${PARTITIONS:-"dirichlet:0.5 shards"}
ATTACKS=${ATTACKS:-"signflip gaussian:sigma=100 alie:z=1.5 ipm:eps=0.5 mimic"}
RULES=${RULES:-"mean,cwmed,cwtm,meamed,krum,multikrum,gm,cc,bulyan,nnm|cwtm,arc|nnm|cwtm,nnm|krum"}
LR=${LR:-0.05}
MOMENTUM=${MOMENTUM:-0.9}
BATCH=${BATCH:-32}
SEED=${SEED:-1}
EVAL_EVERY=${EVAL_EVERY:-25}
mkdir -p "$OUT"

run() {  # run <partition> <attack> <rules> <dir>
  local dir="$OUT/$4"
  if [ -f "$dir/summary.json" ]; then echo "  (cached) $dir"; return; fi
  echo "  $1 / $2: $3"
  mkdir -p "$(dirname "$dir")"
  "$CESS" fl simulate --dataset fashion-mnist --partition "$1" --model "$MODEL" --clients 12 --byzantine 2 \
    --attack "$2" --rule "$3" --rounds "$ROUNDS" --local-steps 1 --batch "$BATCH" --lr "$LR" \
    --momentum "$MOMENTUM" --eval-every "$EVAL_EVERY" --seed "$SEED" --out "$dir" -q > "$dir.log" 2>&1 ||
    { echo "accuracy_bench: run failed, see $dir.log" >&2; exit 1; }
}

start=$(date +%s)
for p in $PARTITIONS; do
  echo "== partition $p"
  run "$p" none mean "$p/none"
  for a in $ATTACKS; do run "$p" "$a" "$RULES" "$p/$a"; done
done

/usr/bin/python3 - "$OUT" "$PARTITIONS" "$ATTACKS" "$RULES" "$ROUNDS" "$MODEL" <<'PY'
import json, os, sys
out, partitions, attacks, rules, rounds, model = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), None, sys.argv[5], sys.argv[6]
lines = [f"Fashion-MNIST, {model}, n=12, f=2, {rounds} rounds, client momentum; final test accuracy (%)", ""]
for p in partitions:
    base = json.load(open(os.path.join(out, p, "none", "summary.json")))["rules"][0]["final_accuracy"] * 100
    table = {}
    order = []
    for a in attacks:
        s = json.load(open(os.path.join(out, p, a, "summary.json")))
        for r in s["rules"]:
            if r["rule"] not in table:
                table[r["rule"]] = {}
                order.append(r["rule"])
            table[r["rule"]][a] = (r["final_accuracy"] or 0) * 100
    lines.append(f"### partition {p} (attack-free mean: {base:.2f})")
    lines.append("")
    lines.append("| rule | " + " | ".join(attacks) + " | worst | worst − clean mean |")
    lines.append("|---|" + "---|" * (len(attacks) + 2))
    for r in order:
        vals = [table[r].get(a, float('nan')) for a in attacks]
        worst = min(vals)
        name = r.replace("|", "\\|")
        lines.append(f"| `{name}` | " + " | ".join(f"{v:.2f}" for v in vals) + f" | **{worst:.2f}** | {worst - base:+.2f} |")
    lines.append("")
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "accuracy_bench: $(( $(date +%s) - start )) s; table in $OUT/summary.md"
