#!/usr/bin/env bash
# shellcheck disable=SC2054  # commas inside flag values (--n 10,25,100), not array separators
# Runs the benchmarks and prints a summary (make bench calls it).
#
#   scripts/bench.sh [BUILD_DIR] [--only erasure,hash,aggregation,goal,gpu] [--quick]
#
# BUILD_DIR (default: build) must hold the built bench programs:
#   bench/kernels/cess_erasure_bench         RS encode/decode: ref, cpu and direct ISA-L
#   bench/kernels/cess_hash_bench            SHA-256: ref, cpu and raw OpenSSL EVP
#   bench/ailink/cess_aggregation_bench      robust rules vs naive baselines (CPU)
#   bench/kernels/cess_aggregate_kernel_bench  aggregate primitives (Gram, median, ...)
#   bench/kernels/cess_gpu_bench             GPU program (needs a CUDA build; skipped without a device)
# Parts, in this order: erasure, hash, aggregation (the n x d grid, every rule and the naive
# baselines), goal (the absolute-goal aggregation run at n=100, d=1e7 after waiting for a quiet
# machine, plus the primitives it is made of), gpu (the GPU program, and the aggregate primitives
# on the device when one exists). --only picks parts; the summary covers whatever bench/out holds,
# so one part can be re-run at a quieter moment (e.g. --only goal).
#
# Outputs go to bench/out/ (ignored by git; BENCH_OUT overrides): machine.txt, erasure.{txt,json},
# hash.{txt,json}, aggregation.md, aggregation_goal.md, aggregate_kernel.txt, gpu.txt,
# aggregate_kernel_cuda.txt (with a device), summary.md.
#
# Environment:
#   BENCH_REPS=9         Google Benchmark repetitions (medians reported; interleaved at random)
#   AGG_REPS=3           repetitions per aggregation grid point
#   AGG_GOAL_REPS=5      repetitions of the n=100, d=1e7 goal run
#   BENCH_QUIET_WAIT=120 seconds to wait at most, before the goal run, for the machine to be less
#                        than BENCH_QUIET_BUSY=15 percent busy (the load, and what other work took
#                        during the run, are recorded either way)
#   BENCH_OUT            output folder (default <repo>/bench/out)
# --quick: 1 repetition, small aggregation grid, no goal run (a smoke test, not figures).
# Exit status: 1 when a bench program is missing or fails; missed performance goals are reported
# in the summary (and bench/RESULTS.md), not in the exit status.
set -euo pipefail

die() {
  echo "bench.sh: error: $*" >&2
  exit 1
}
note() { echo "bench.sh: $*" >&2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR=""
ONLY="erasure,hash,aggregation,goal,gpu"
QUICK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only)
      [[ $# -ge 2 ]] || die "--only needs a list"
      ONLY="$2"
      shift 2
      ;;
    --only=*)
      ONLY="${1#--only=}"
      shift
      ;;
    --quick)
      QUICK=1
      shift
      ;;
    -h | --help)
      sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ -z "$BUILD_DIR" ]] || die "more than one BUILD_DIR given ($BUILD_DIR, $1)"
      BUILD_DIR="$1"
      shift
      ;;
  esac
done
BUILD_DIR="${BUILD_DIR:-build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
[[ -d "$BUILD_DIR" ]] || die "build directory $BUILD_DIR does not exist (run 'make build' or pass BUILD_DIR)"
for part in ${ONLY//,/ }; do
  case "$part" in erasure | hash | aggregation | goal | gpu) ;; *) die "unknown part '$part' in --only" ;; esac
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

BENCH_REPS="${BENCH_REPS:-9}"
AGG_REPS="${AGG_REPS:-3}"
AGG_GOAL_REPS="${AGG_GOAL_REPS:-5}"
BENCH_QUIET_WAIT="${BENCH_QUIET_WAIT:-120}"
BENCH_QUIET_BUSY="${BENCH_QUIET_BUSY:-15}"
OUT="${BENCH_OUT:-$ROOT/bench/out}"
if [[ $QUICK -eq 1 ]]; then
  BENCH_REPS=1
  AGG_REPS=1
fi
mkdir -p "$OUT"
command -v python3 > /dev/null || die "python3 is needed for the summary"

ERASURE_BIN="$BUILD_DIR/bench/kernels/cess_erasure_bench"
HASH_BIN="$BUILD_DIR/bench/kernels/cess_hash_bench"
AGG_BIN="$BUILD_DIR/bench/ailink/cess_aggregation_bench"
AGGK_BIN="$BUILD_DIR/bench/kernels/cess_aggregate_kernel_bench"
GPU_BIN="$BUILD_DIR/bench/kernels/cess_gpu_bench"

# Checks that a bench program exists; explains how to get it otherwise.
need_bin() {
  local bin="$1" target="$2" why="$3"
  if [[ ! -x "$bin" ]]; then
    note "missing $bin"
    note "  build it: cmake --build $BUILD_DIR --target $target   ($why)"
    return 1
  fi
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# CPU accounting from /proc/stat (all cores, clock ticks): "busy steal total" of the machine and
# the CPU time of this script's finished children (what our benchmarks used).
cpu_snapshot() {
  local mine
  mine=$(awk '{print $16 + $17}' "/proc/$$/stat")
  awk -v mine="$mine" '/^cpu / {busy = $2 + $3 + $4 + $7 + $8; st = $9; print busy, st, busy + $5 + $6 + st, mine}' /proc/stat
}
# Percent of the machine that other work (not our benchmarks) and the hypervisor (steal) took
# between two snapshots: "others=NN% steal=NN%".
others_between() {
  python3 -c '
import sys
a = list(map(float, sys.argv[1].split())); b = list(map(float, sys.argv[2].split()))
busy, steal, total, mine = (y - x for x, y in zip(a, b))
total = max(total, 1.0)
print(f"others={max(0.0, 100.0 * (busy - mine) / total):.0f}% steal={100.0 * steal / total:.0f}%")' "$1" "$2"
}
# Share of the machine busy over 2 s, in percent (nothing of ours running).
busy_pct() {
  local a b
  a=$(cpu_snapshot)
  sleep 2
  b=$(cpu_snapshot)
  python3 -c '
import sys
a = list(map(float, sys.argv[1].split())); b = list(map(float, sys.argv[2].split()))
print(f"{100.0 * (b[0] - a[0] + b[1] - a[1]) / max(b[2] - a[2], 1.0):.0f}")' "$a" "$b"
}

# ---------------------------------------------------------------------------------------------
# Machine record.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse HEAD 2> /dev/null || echo unknown)"
  # Uncommitted changes in what the benchmarks measure (the working tree is what was built).
  dirty=$(git -C "$ROOT" status --porcelain -- kernels/src kernels/include ailink/src/robust \
    ailink/include/cess/ailink/robust bench/kernels bench/ailink 2> /dev/null | awk '{print $2}' | tr '\n' ' ')
  echo "uncommitted in measured code: ${dirty:-none}"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1) (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p'))"
  echo "cores: $(nproc) online; $(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core; hypervisor: $(lscpu | sed -n 's/^Hypervisor vendor: *//p')"
  echo "isa: $(grep -o -w -E 'avx2|avx512f|avx512bw|gfni|sha_ni|vaes' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
  echo "load (1/5/15 min) at start: $(loadavg)"
  echo "compiler: $(c++ --version 2> /dev/null | head -1)"
  echo "build: $BUILD_DIR ($(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2> /dev/null || echo '?'))"
  echo "libs: $(dpkg-query -W -f '${Package} ${Version}; ' libisal2 libssl3 libbenchmark1debian 2> /dev/null || true)"
} > "$OUT/machine.txt"
echo "== machine ($OUT/machine.txt)"
cat "$OUT/machine.txt"

# Runs a command with its output appended to a log, showing the lines matching a filter; a
# failure is reported and remembered (STATUS), not fatal, so the other parts still run.
run_logged() {
  local log="$1" filter="$2"
  shift 2
  local rc snap0 snap1 during
  snap0=$(cpu_snapshot)
  set +e
  "$@" 2>&1 | tee -a "$log" | grep --line-buffered -E "$filter"
  rc=${PIPESTATUS[0]}
  set -e
  snap1=$(cpu_snapshot)
  during="[bench.sh] finished $(date -u +%Y-%m-%dT%H:%M:%SZ); during the run: $(others_between "$snap0" "$snap1") of the machine; load after: $(loadavg)"
  echo "$during" >> "$log"
  note "${during#\[bench.sh\] }"
  if [[ $rc -ne 0 ]]; then
    note "$(basename "$1") exited with status $rc (full output: $log)"
    STATUS=1
  fi
  return 0
}

# What the console shows of the Google Benchmark runs (everything lands in the logs).
GB_SHOW='_median|ERROR|rror'
[[ $BENCH_REPS -le 1 ]] && GB_SHOW='^(rs_|BM_)|ERROR|rror'
GB_FLAGS=(--benchmark_repetitions="$BENCH_REPS" --benchmark_enable_random_interleaving=true
  --benchmark_report_aggregates_only=true --benchmark_out_format=json)
STATUS=0

# ---------------------------------------------------------------------------------------------
if want erasure; then
  echo
  echo "== RS erasure: ref / cpu / direct ISA-L ($BENCH_REPS reps, interleaved)"
  if need_bin "$ERASURE_BIN" cess_erasure_bench "needs Google Benchmark; direct ISA-L rows need libisal"; then
    filter='^rs_'
    [[ $QUICK -eq 1 ]] && filter='^rs_(encode|decode)/10\+4/64KiB/'
    echo "\$ $ERASURE_BIN ${GB_FLAGS[*]} --benchmark_filter='$filter' --benchmark_out=$OUT/erasure.json" > "$OUT/erasure.txt"
    run_logged "$OUT/erasure.txt" "$GB_SHOW" \
      "$ERASURE_BIN" "${GB_FLAGS[@]}" --benchmark_filter="$filter" --benchmark_out="$OUT/erasure.json"
    [[ -s "$OUT/erasure.json" ]] || { note "erasure bench wrote no results"; STATUS=1; }
  else
    STATUS=1
  fi
fi

# ---------------------------------------------------------------------------------------------
if want hash; then
  echo
  echo "== SHA-256: ref / cpu / raw OpenSSL EVP ($BENCH_REPS reps, interleaved)"
  if need_bin "$HASH_BIN" cess_hash_bench "needs Google Benchmark and OpenSSL"; then
    filter='.'
    [[ $QUICK -eq 1 ]] && filter='^BM_Sha256_(Cpu|EvpReuse)/4096'
    echo "\$ $HASH_BIN ${GB_FLAGS[*]} --benchmark_filter='$filter' --benchmark_out=$OUT/hash.json" > "$OUT/hash.txt"
    run_logged "$OUT/hash.txt" "$GB_SHOW" \
      "$HASH_BIN" "${GB_FLAGS[@]}" --benchmark_filter="$filter" --benchmark_out="$OUT/hash.json"
    [[ -s "$OUT/hash.json" ]] || { note "hash bench wrote no results"; STATUS=1; }
  else
    STATUS=1
  fi
fi

# ---------------------------------------------------------------------------------------------
AGG_RULES='mean,cwmed,cwtm,meamed,krum,multikrum,bulyan,gm,cc,nnm|cwtm'
avail_gb=$(awk '/^MemAvailable:/ {printf "%d", $2 / 1048576}' /proc/meminfo)
if want aggregation; then
  echo
  echo "== CPU aggregation: every rule vs naive baselines ($AGG_REPS reps per point)"
  if need_bin "$AGG_BIN" cess_aggregation_bench "the AI-LINK library"; then
    ns="10,25,100"
    ds="1e5,1e6,1e7"
    [[ $QUICK -eq 1 ]] && ns="10,100" && ds="1e5"
    # n=100, d=1e7 is 4 GB of input; nnm's mixed copy doubles that. Shrink the grid when short.
    max_gb=4.5
    if [[ $avail_gb -lt 10 ]]; then
      max_gb=1
      note "only ${avail_gb} GiB available: skipping inputs above ${max_gb} GB (n=100, d=1e7 needs ~9 GiB)"
    fi
    cmd=("$AGG_BIN" --n "$ns" --d "$ds" --rules "$AGG_RULES" --naive median,trimmed,krum --reps "$AGG_REPS"
      --max-gb "$max_gb" --naive-max-gb "$max_gb")
    {
      echo "<!-- \$ ${cmd[*]} -->"
      echo "<!-- load before: $(loadavg) -->"
    } > "$OUT/aggregation.md"
    run_logged "$OUT/aggregation.md" '.' "${cmd[@]}"
  else
    STATUS=1
  fi
fi

# ---------------------------------------------------------------------------------------------
if want goal && [[ $QUICK -eq 0 ]]; then
  echo
  echo "== aggregation goal run: n=100, d=1e7, $AGG_GOAL_REPS reps (goals on 2 cores: cwmed, cwtm <= 1.5 s; krum <= 2.5 s)"
  if [[ $avail_gb -lt 6 ]]; then
    note "only ${avail_gb} GiB available: the goal run needs ~5 GiB (4 GB of input); skipped"
    STATUS=1
  elif need_bin "$AGG_BIN" cess_aggregation_bench "the AI-LINK library"; then
    # Wait for a quiet machine (busy under BENCH_QUIET_BUSY percent over 2 s), then repeat; what
    # other work took during the run is recorded next to the figures.
    waited=0
    busy=$(busy_pct)
    while ((waited < BENCH_QUIET_WAIT && busy > BENCH_QUIET_BUSY)); do
      ((waited == 0)) && note "machine ${busy}% busy (load $(loadavg)): waiting up to ${BENCH_QUIET_WAIT}s for < ${BENCH_QUIET_BUSY}%"
      sleep 3
      waited=$((waited + 5))
      busy=$(busy_pct)
    done
    gcmd=("$AGG_BIN" --n 100 --d 1e7 --rules mean,cwmed,cwtm,krum --naive none --reps "$AGG_GOAL_REPS")
    {
      echo "<!-- \$ ${gcmd[*]} -->"
      echo "<!-- load before: $(loadavg); machine busy over 2 s before start: ${busy}% -->"
    } > "$OUT/aggregation_goal.md"
    run_logged "$OUT/aggregation_goal.md" '.' "${gcmd[@]}"
    if need_bin "$AGGK_BIN" cess_aggregate_kernel_bench "kernels library"; then
      echo
      echo "== aggregate primitives, n=100, d=1e7 (where the rule time goes)"
      kcmd=("$AGGK_BIN" --n 100 --d 1e7 --reps 3 --ops median,trimmed,mean,gram,norms)
      {
        echo "\$ ${kcmd[*]}"
        echo "load before: $(loadavg)"
      } > "$OUT/aggregate_kernel.txt"
      run_logged "$OUT/aggregate_kernel.txt" '.' "${kcmd[@]}"
    fi
  else
    STATUS=1
  fi
fi

# ---------------------------------------------------------------------------------------------
GPU_STATE="not run"
if want gpu; then
  echo
  echo "== GPU benchmark"
  if [[ ! -x "$GPU_BIN" ]]; then
    GPU_STATE="skipped: $GPU_BIN not built (needs a CUDA build: nvcc found at configure time)"
    note "$GPU_STATE"
  else
    # Without a device the program prints "no CUDA device: <reason>" and exits 0.
    gflags=()
    [[ $QUICK -eq 1 ]] && gflags=(--quick)
    echo "\$ $GPU_BIN ${gflags[*]}" > "$OUT/gpu.txt"
    if "$GPU_BIN" "${gflags[@]}" 2>&1 | tee -a "$OUT/gpu.txt"; then
      if grep -q '^no CUDA device' "$OUT/gpu.txt"; then
        GPU_STATE="skipped: $(grep -m1 '^no CUDA device' "$OUT/gpu.txt")"
      else
        GPU_STATE="ran: see $OUT/gpu.txt (last line is JSON)"
      fi
    else
      GPU_STATE="FAILED: see $OUT/gpu.txt"
      STATUS=1
    fi
    echo "GPU: $GPU_STATE"
    # With a device: the aggregate primitives on it too (issue 3 asks for n=100, d=1e8: 40 GB of
    # input, so only where the host has the memory; d=1e7 otherwise).
    if [[ $GPU_STATE == ran* ]] && need_bin "$AGGK_BIN" cess_aggregate_kernel_bench "kernels library"; then
      avail_gb=$(awk '/^MemAvailable:/ {printf "%d", $2 / 1048576}' /proc/meminfo)
      gd=1e7
      (( avail_gb >= 56 )) && gd=1e8
      kcmd=("$AGGK_BIN" --backend cuda --n 100 --d "$gd" --reps 5 --ops median,trimmed,meamed,mean,gram,norms)
      echo
      echo "== aggregate primitives on the GPU, n=100, d=$gd"
      echo "\$ ${kcmd[*]}" > "$OUT/aggregate_kernel_cuda.txt"
      run_logged "$OUT/aggregate_kernel_cuda.txt" '.' "${kcmd[@]}"
      # The cuBLAS anchor for Krum/NNM: X*X^T of the same shape.
      GEMM_BIN="$BUILD_DIR/bench/kernels/cess_gemm_anchor_bench"
      if [[ -x $GEMM_BIN ]]; then
        echo
        echo "== cuBLAS GEMM anchor, n=100, d=$gd"
        echo "\$ $GEMM_BIN --n 100 --d $gd --reps 5" > "$OUT/gemm_anchor.txt"
        run_logged "$OUT/gemm_anchor.txt" '.' "$GEMM_BIN" --n 100 --d "$gd" --reps 5
      fi
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------
echo
python3 - "$OUT" "$GPU_STATE" "$QUICK" << 'PY' | tee "$OUT/summary.md"
import json, os, re, sys
from collections import defaultdict

out, gpu_state, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def medians(path):
    """run_name -> median aggregate (bytes_per_second, real_time ns) of a Google Benchmark JSON."""
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            data = json.load(f)
    except ValueError as e:
        print(f"({path} is not readable JSON: {e}; the run probably stopped early)\n")
        return None
    res = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            res[b["run_name"]] = None
            continue
        res[b["run_name"]] = b.get("bytes_per_second")
    return res

def gbs(v):
    return "n/a" if v is None else f"{v / 1e9:.2f}"

print("# Benchmark summary\n")
if quick:
    print("**--quick: one repetition, a smoke test; these are not figures.**\n")
with open(os.path.join(out, "machine.txt")) as f:
    for line in f:
        print("    " + line.rstrip())
print()

def conditions(name):
    """The load lines bench.sh wrote into a log."""
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("[bench.sh] "):
                print(f"Conditions: {line[len('[bench.sh] '):]}\n")
            elif line.startswith("<!-- load"):
                print(f"Conditions: {line[5:-4]}\n")

er = medians(os.path.join(out, "erasure.json"))
if er is not None:
    print("## RS erasure (GB/s of k input shards, median; goal cpu >= 0.9x direct ISA-L)\n")
    print("| op | k+m | shard | ref | cpu | isa-l | cpu/isa-l | goal |")
    print("|---|---|---|---|---|---|---|---|")
    rows = defaultdict(dict)
    order = []
    for name, v in er.items():
        m = re.match(r"rs_(encode|decode)/(\d+\+\d+)/(\w+)/(ref|cpu|isal)", name)
        if not m:
            continue
        key = m.group(1, 2, 3)
        if key not in rows:
            order.append(key)
        rows[key][m.group(4)] = v
    size_rank = {"64KiB": 0, "1MiB": 1, "8MiB": 2}
    order.sort(key=lambda k: (k[0] != "encode", tuple(map(int, k[1].split("+"))), size_rank.get(k[2], 9)))
    fails = 0
    for key in order:
        r = rows[key]
        cpu, isal = r.get("cpu"), r.get("isal")
        ratio = cpu / isal if cpu and isal else None
        goal = "n/a" if ratio is None else ("pass" if ratio >= 0.9 else "FAIL")
        fails += goal == "FAIL"
        print(f"| {key[0]} | {key[1]} | {key[2]} | {gbs(r.get('ref'))} | {gbs(cpu)} | {gbs(isal)} | "
              f"{'n/a' if ratio is None else f'{ratio:.2f}'} | {goal} |")
    batch = [(n, v) for n, v in er.items() if n.startswith("rs_encode_batch/")]
    if batch:
        print("\nEncodeBatch (cpu backend, GB/s of data, wall time):\n")
        for n, v in sorted(batch):
            print(f"- {n}: {gbs(v)}")
    print(f"\nRS rows failing the 0.9x goal: {fails}\n")
    conditions("erasure.txt")

hs = medians(os.path.join(out, "hash.json"))
if hs is not None:
    print("## SHA-256 (GB/s, median; goal cpu >= 0.9x raw EVP on the same buffers, same thread count)\n")
    print("| case | cpu | EVP (reused ctx) | cpu/EVP | goal | EVP_Digest one-shot |")
    print("|---|---|---|---|---|---|")
    def g(name):
        return hs.get(name + "/real_time", hs.get(name))
    for n in ("64", "4096", "1048576", "33554432"):
        cpu, evp, dig = g(f"BM_Sha256_Cpu/{n}"), g(f"BM_Sha256_EvpReuse/{n}"), g(f"BM_Sha256_EvpDigest/{n}")
        if cpu is None and evp is None:
            continue
        ratio = cpu / evp if cpu and evp else None
        goal = "n/a" if ratio is None else ("pass" if ratio >= 0.9 else "FAIL")
        print(f"| one buffer of {n} B | {gbs(cpu)} | {gbs(evp)} | {'n/a' if ratio is None else f'{ratio:.2f}'} | {goal} | {gbs(dig)} |")
    for b, c in (("64", "16384"), ("4096", "8192"), ("1048576", "32"), ("33554432", "2")):
        cpu1, evp, cpun = g(f"BM_Sha256Batch_Cpu1T/{b}/{c}"), g(f"BM_Sha256Batch_EvpReuse/{b}/{c}"), g(f"BM_Sha256Batch_Cpu/{b}/{c}")
        if cpu1 is None and evp is None:
            continue
        ratio = cpu1 / evp if cpu1 and evp else None
        goal = "n/a" if ratio is None else ("pass" if ratio >= 0.9 else "FAIL")
        print(f"| batch {c} x {b} B, 1 thread | {gbs(cpu1)} | {gbs(evp)} | {'n/a' if ratio is None else f'{ratio:.2f}'} | {goal} | |")
        if cpun is not None and evp:
            print(f"| batch {c} x {b} B, all threads (info) | {gbs(cpun)} | {gbs(evp)} (1 thread) | {cpun / evp:.2f} | | |")
    for n in sorted(k for k in hs if k.startswith("BM_TreeHash")):
        print(f"| {n.replace('/real_time', '')} (info) | {gbs(hs[n])} | | | | |")
    print()
    conditions("hash.txt")

def agg_rows(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            m = re.match(r"\| (\d+) \| ([0-9e.+]+) \| (.+?) \| ([0-9.]+) \| ([0-9.]+) \|(?: ([0-9.]+) \|)?\s*$", line)
            if m:
                cpu = float(m.group(6)) if m.group(6) else None
                rows.append((int(m.group(1)), float(m.group(2)), m.group(3).strip(), float(m.group(4)), float(m.group(5)), cpu))
    return rows

grid = agg_rows(os.path.join(out, "aggregation.md"))
if grid:
    print("## CPU aggregation (seconds, median of reps; speed-up = naive / ours)\n")
    t = {(n, d, meth): med for n, d, meth, med, _, _ in grid}
    pts = sorted({(n, d) for n, d, *_ in grid})
    print("| n | d | cwmed | naive median | x | cwtm | naive trimmed | x | krum | naive krum | x | mean | nnm\\|cwtm |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    def c(v):
        return "" if v is None else f"{v:.4f}"
    def x(a, b):
        return "" if a is None or b is None or a == 0 else f"{b / a:.1f}"
    for n, d in pts:
        g = lambda m: t.get((n, d, m))
        print(f"| {n} | {d:g} | {c(g('cwmed'))} | {c(g('naive median'))} | {x(g('cwmed'), g('naive median'))} | "
              f"{c(g('cwtm'))} | {c(g('naive trimmed'))} | {x(g('cwtm'), g('naive trimmed'))} | "
              f"{c(g('krum'))} | {c(g('naive krum'))} | {x(g('krum'), g('naive krum'))} | {c(g('mean'))} | {c(g('nnm|cwtm'))} |")
    print()
    conditions("aggregation.md")

goal = agg_rows(os.path.join(out, "aggregation_goal.md"))
if goal:
    print("## Aggregation goals (2 cores, n=100, d=1e7)\n")
    limits = {"cwmed": 1.5, "cwtm": 1.5, "krum": 2.5}
    conditions("aggregation_goal.md")
    for n, d, meth, med, mn, cpu in goal:
        lim = limits.get(meth)
        verdict = "" if lim is None else (f"goal <= {lim} s (wall): " + ("pass" if med <= lim else "FAIL"))
        cpu_note = "" if cpu is None else f", CPU s / thread {cpu:.3f} (a lower bound for free cores)"
        print(f"- {meth}: wall median {med:.3f} s, min {mn:.3f} s{cpu_note}; {verdict}")
    print()
    kpath = os.path.join(out, "aggregate_kernel.txt")
    if os.path.exists(kpath):
        print("Primitives at n=100, d=1e7 (cess_aggregate_kernel_bench):\n")
        with open(kpath) as f:
            for line in f:
                print("    " + line.rstrip())
        print()

print(f"## GPU\n\n{gpu_state}")
PY

exit $STATUS
