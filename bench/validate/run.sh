#!/usr/bin/env bash
# bench/validate/run.sh - validation throughput, one core: Knute's
# vkp_validate() and the peer's (Medplum's validateResource) on the same
# typical 3 KB MedicationDispense message with a DetectedIssue, in one run.
#
#   bench/validate/run.sh [--seconds N] [--file MSG.json] [--no-peer]
#
# Both run pinned to CPU 0 (BENCH_PIN=0 to unpin), one after the other, three
# rounds each; the medians and the ratio are printed. Needs a release build
# (made here in build-bench/) and, for the peer, node + npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=10
FILE=tests/fhir/vkp/bench-medicationdispense-3k.json
PEER=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --file) FILE=$2; shift 2 ;;
    --no-peer) PEER=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PIN="taskset -c 0"
[ "${BENCH_PIN:-1}" = 0 ] && PIN=""

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_validate >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

echo "message: $FILE ($(wc -c <"$FILE") bytes), ${SECONDS_EACH} s per round, 3 rounds"
knute_rates=()
for _ in 1 2 3; do
  out=$($PIN build-bench/bench_validate "$FILE" "$SECONDS_EACH")
  echo "knute:   $out"
  knute_rates+=("$(echo "$out" | field per_s)")
done
K=$(printf '%s\n' "${knute_rates[@]}" | median)

if [ "$PEER" = 1 ]; then
  W=${PEER_WORKDIR:-/tmp/knute-peers}
  mkdir -p "$W"; cp -r ../shared/bench/peers/. "$W"/
  (cd "$W" && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; })
  cp bench/validate/medplum_validate.mjs "$W"/
  peer_rates=()
  for _ in 1 2 3; do
    out=$(cd "$W" && $PIN node medplum_validate.mjs "$OLDPWD/$FILE" "$SECONDS_EACH")
    echo "medplum: $out"
    peer_rates+=("$(echo "$out" | field per_s)")
  done
  P=$(printf '%s\n' "${peer_rates[@]}" | median)
fi

BYTES=$(wc -c <"$FILE")
echo
echo "| validator (one core) | messages/s | MB/s |"
echo "|---|---|---|"
awk -v k="$K" -v b="$BYTES" 'BEGIN {printf "| Knute vkp_validate (R4 + VKP rules) | %d | %.1f |\n", k, k*b/1e6}'
if [ "$PEER" = 1 ]; then
  awk -v p="$P" -v b="$BYTES" 'BEGIN {printf "| Medplum validateResource (R4 only) | %d | %.1f |\n", p, p*b/1e6}'
  awk -v k="$K" -v p="$P" 'BEGIN {printf "\nratio Knute / Medplum: %.1fx (aim: >= 30 000/s per core)\n", k/p}'
fi
