#!/usr/bin/env bash
# bench/nytte/run.sh - the R-109 cost-benefit sensitivity sweep on one core:
# `knute nytte FILE --sweep N` computes N scenarios around the file's base
# (discount rate, tax-financing rates and every tag scale varied on a
# deterministic low-discrepancy sequence; all alternatives each time) and
# prints the engine time; this script also times the whole command (process
# start, reading and validating the scenario, the sweep, the output).
#
#   bench/nytte/run.sh [--scenarios N] [--rounds R] [--file SCENARIO.json]
#
# Builds a Release knute in build-bench/ (shared with bench/validate), runs
# pinned to CPU 0 (BENCH_PIN=0 to unpin), R rounds (default 5), and prints
# the medians. BENCH_KNUTE=path uses that binary instead of building. Exits 1
# when the median whole-command time for N scenarios is 1 s or more (the
# target for N = 10 000).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=10000
ROUNDS=5
FILE=examples/r109/helseteknologiordning.json
while [ $# -gt 0 ]; do
  case "$1" in
    --scenarios) N=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --file) FILE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PIN="taskset -c 0"
{ [ "${BENCH_PIN:-1}" = 0 ] || ! command -v taskset >/dev/null; } && PIN=""

KNUTE=${BENCH_KNUTE:-}
if [ -z "$KNUTE" ]; then
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
  cmake --build build-bench -j"$(nproc)" --target knute >/dev/null
  KNUTE=build-bench/knute
fi

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ns() { date +%s%N; }

ALTS=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['alternatives']))" "$FILE")
echo "scenario: $FILE ($ALTS alternatives), $N scenarios per round, $ROUNDS rounds, ${PIN:-unpinned}"
engine=(); whole=()
for _ in $(seq "$ROUNDS"); do
  t0=$(now_ns)
  out=$($PIN "$KNUTE" nytte "$FILE" --sweep "$N")
  t1=$(now_ns)
  line=$(echo "$out" | head -1)
  echo "  $line"
  engine+=("$(echo "$line" | sed -E 's/.* in ([0-9.]+) s .*/\1/')")
  whole+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b-a)/1e9}')")
done
E=$(printf '%s\n' "${engine[@]}" | median)
W=$(printf '%s\n' "${whole[@]}" | median)
echo
echo "| sweep (one core) | scenarios | engine s | scenarios/s | whole command s |"
echo "|---|---|---|---|---|"
awk -v n="$N" -v e="$E" -v w="$W" 'BEGIN {printf "| knute nytte --sweep | %d | %.4f | %.0f | %.4f |\n", n, e, n/e, w}'
awk -v w="$W" 'BEGIN {exit !(w < 1.0)}' || { echo "bench: the sweep took ${W} s, target < 1 s" >&2; exit 1; }
