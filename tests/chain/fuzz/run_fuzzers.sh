#!/usr/bin/env bash
# Builds the chain decoder fuzz targets (blocks, transactions, votes, consensus messages) with clang++
# and libFuzzer (ASan + UBSan) and runs each for a
# bounded time (issue 4 §7). Registered with CTest as `cess_chain_fuzz`, label `slow`.
#
#   tests/chain/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS_PER_TARGET=60] [TARGET...]
#
# Writes under BUILD_DIR/chain_fuzz/: obj/ and bin/ (the build), corpus/<target>/ (seeds written by
# each target, then whatever libFuzzer adds; kept between runs), artifacts/ (crashing inputs).
# Exit status: 0 when every target ran its time without a finding; 1 on a build failure or a finding
# (the crashing input is under artifacts/); 77 when clang++ or libFuzzer is missing (CTest reports it
# as skipped). Environment: CXX_FUZZ (default clang++), FUZZ_JOBS (compile jobs, default 2).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi
BUILD_DIR=$(mkdir -p "$1" && cd "$1" && pwd)
SECONDS_PER_TARGET=${2:-60}
shift $(($# >= 2 ? 2 : 1))
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then TARGETS=(block_fuzz transaction_fuzz vote_fuzz message_fuzz); fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
CXX_FUZZ=${CXX_FUZZ:-clang++}
FUZZ_JOBS=${FUZZ_JOBS:-2}
OUT=$BUILD_DIR/chain_fuzz
mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/corpus" "$OUT/artifacts"

if ! command -v "$CXX_FUZZ" > /dev/null; then
  echo "SKIP: $CXX_FUZZ not found (libFuzzer needs clang)"
  exit 77
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
    "$CXX_FUZZ" -x c++ -fsanitize=fuzzer -o "$OUT/obj/probe" - 2> "$OUT/obj/probe.log"; then
  echo "SKIP: $CXX_FUZZ cannot link -fsanitize=fuzzer (libclang_rt.fuzzer missing?):"
  cat "$OUT/obj/probe.log"
  exit 77
fi

# The code under test: the chain types and the parts of core they use.
SOURCES=(
  core/src/codec.cc core/src/ecvrf.cc core/src/ed25519.cc core/src/hash.cc core/src/random.cc
  chain/src/profile.cc chain/src/consensus/message.cc
)
for f in "$ROOT"/chain/src/types/*.cc; do SOURCES+=("${f#"$ROOT"/}"); done

CXXFLAGS=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  -I"$ROOT/core/include" -I"$ROOT/core/src" -I"$ROOT/chain/include" -I"$ROOT/chain/src")
SAN_LIB=-fsanitize=fuzzer-no-link,address,undefined
SAN_BIN=-fsanitize=fuzzer,address,undefined

echo "== building ${#SOURCES[@]} sources and ${#TARGETS[@]} targets with $CXX_FUZZ"
OBJS=()
compile() {  # src obj
  local src=$1 obj=$2
  if [[ ! -f "$obj" || "$src" -nt "$obj" || -n "$(find "$ROOT/core/include" "$ROOT/chain/include" \
      -newer "$obj" -name '*.h' -print -quit)" ]]; then
    "$CXX_FUZZ" "${CXXFLAGS[@]}" "$SAN_LIB" -c "$src" -o "$obj"
  fi
}
pids=()
for src in "${SOURCES[@]}"; do
  obj="$OUT/obj/$(echo "$src" | tr '/' '_').o"
  OBJS+=("$obj")
  compile "$ROOT/$src" "$obj" &
  pids+=($!)
  if [[ ${#pids[@]} -ge $FUZZ_JOBS ]]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
for t in "${TARGETS[@]}"; do
  "$CXX_FUZZ" "${CXXFLAGS[@]}" "$SAN_BIN" "$ROOT/tests/chain/fuzz/$t.cc" "${OBJS[@]}" -lcrypto -lsodium \
    -o "$OUT/bin/$t"
done

status=0
for t in "${TARGETS[@]}"; do
  corpus=$OUT/corpus/$t
  mkdir -p "$corpus"
  CESS_FUZZ_WRITE_SEEDS=$corpus "$OUT/bin/$t"
  echo "== $t: ${SECONDS_PER_TARGET}s from $(ls "$corpus" | wc -l) corpus inputs"
  log=$OUT/$t.log
  if "$OUT/bin/$t" -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" "$corpus" > "$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done' "$log" | tr '\n' ' '
    echo
  else
    echo "FAIL: $t found a problem; the input is under $OUT/artifacts/. Log tail:"
    tail -n 40 "$log"
    status=1
  fi
done
exit $status
