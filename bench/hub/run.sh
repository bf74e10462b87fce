#!/usr/bin/env bash
# bench/hub/run.sh - the hub's intake and delivery under load, and the peer in the same run.
#
#   bench/hub/run.sh [--duration 10s] [--connections 64] [--threads 2] [--messages N] [--no-peer] [--no-build]
#
# Builds a Release knute (BENCH_BUILD_DIR, default build-release) if needed, loads the demo data into
# a fresh database, registers a supplier and an EPJ client in the authorisation register, starts
# `knute epj-sim` (acknowledging every delivery) with a bearer destination and a "*" route, and
# `knute serve` (access_log=false, log_level=warn). wrk posts the realistic 3 KB VKP
# MedicationDispense message with DetectedIssue (tests/fhir/vkp/bench-medicationdispense-3k.json)
# to POST /epj/r4/939000011/$process-message, a unique Bundle.identifier per request
# (bench/hub/post_message.lua), so every request is validated, stored durably and routed:
#   (a) max load: --connections for --duration -> accepted messages/s, p50, p99;
#   (b) half load: the same connections paced by the script's delay() to about half of (a)'s rate
#       (wrk2 is not available; the achieved rate is printed next to the target) -> p50, p99;
#   (c) delivery: epj-sim's accepted count during and after each of (a) and (b): delivery rate,
#       the backlog when intake stops and how long it takes to drain (the outbox is drained
#       after (a), so (b) is measured in a steady state, not during the catch-up);
#   (d) the peer (../shared/bench/peers/start_peer.sh: Medplum's FhirRouter in memory, validating,
#       not durable): the same Bundle to POST /fhir/R4/Bundle with the same wrk settings;
#   (e) with --messages N: keeps posting until N messages are stored, then reports knute's RSS.
# Pinning (2+ CPUs, BENCH_PIN=1): knute on CPU 0, wrk and epj-sim on CPU 1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-release}
PEERS=${BENCH_PEERS_DIR:-$ROOT/../shared/bench/peers}
DURATION=10s
CONNS=64
THREADS=2
MESSAGES=0
PEER=1
BUILD_IT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --messages) MESSAGES=$2; shift ;;
    --no-peer) PEER=0 ;;
    --no-build) BUILD_IT=0 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "bench/hub: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/hub: $tool is missing" >&2; exit 1; }
done
for v in $(env | sed -n 's/^\(KNUTE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

if [ "$BUILD_IT" = 1 ]; then
  if [ ! -x "$BUILD/knute" ] || [ -n "$(find "$ROOT/src" -newer "$BUILD/knute" -print -quit)" ]; then
    echo "== building Release knute in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target knute >/dev/null
  fi
fi
KNUTE=$BUILD/knute
PIN0=(); PIN1=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN0=(taskset -c 0); PIN1=(taskset -c 1)
fi

W=$(mktemp -d /tmp/knute-bench-hub-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
            [ "${BENCH_KEEP:-0}" = 1 ] && echo "(kept $W)" || rm -rf "$W"; }
trap cleanup EXIT
FLAGS=(--database="$W/knute.db" --log-file="$W/knute.log" --web-root="$ROOT/web" --log-level=warn)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
key_of() { sed -n 's/.*\(knk_[A-Za-z0-9_-]*\).*/\1/p'; }

export BENCH_BODY=$ROOT/tests/fhir/vkp/bench-medicationdispense-3k.json
export BENCH_COMMON=$PEERS/wrk/common.lua
[ -f "$BENCH_COMMON" ] || BENCH_COMMON=$W/common.lua
[ -f "$BENCH_COMMON" ] || cat > "$BENCH_COMMON" <<'LUA'
local M = {}
function M.done(s, l, r)
  local secs = s.duration / 1e6
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f reqs=%d non2xx=%d sockerr=%d\n",
    s.requests / secs, l:percentile(50) / 1000, l:percentile(90) / 1000, l:percentile(99) / 1000,
    l:percentile(99.9) / 1000, l.max / 1000, s.requests, s.errors.status,
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout))
end
return M
LUA

echo "== set-up in $W"
"$KNUTE" demo "${FLAGS[@]}" >/dev/null
SUP=$("$KNUTE" client add bench-supplier --kind apikey --scope "vkp/write vkp/read" --grant 939000011:operator "${FLAGS[@]}" | key_of)
EPJ=$("$KNUTE" client add bench-epj --kind apikey --scope "vkp/read" --grant 939000011:operator "${FLAGS[@]}" | key_of)
"$KNUTE" hub grant add --client bench-supplier --receiver 939000011 --resource Bundle --access write "${FLAGS[@]}" >/dev/null
"$KNUTE" hub grant add --client bench-epj --receiver 939000011 --resource Bundle --access read "${FLAGS[@]}" >/dev/null
SIMPORT=$(free_port)
"${PIN1[@]}" "$KNUTE" epj-sim --port="$SIMPORT" --api-key "$EPJ" --expect-bearer bench-token >"$W/sim.out" 2>&1 &
PIDS+=($!)
echo bench-token > "$W/token"
DEST=$("$KNUTE" delivery dest add epj-sim --receiver 939000011 --url "http://127.0.0.1:$SIMPORT/fhir" \
        --auth bearer --secret-file "$W/token" --concurrency 16 "${FLAGS[@]}" | awk '{print $2}')
"$KNUTE" delivery route add --receiver 939000011 --event '*' --dest "$DEST" "${FLAGS[@]}" >/dev/null
PORT=$(free_port)
"${PIN0[@]}" "$KNUTE" serve --port="$PORT" --access-log=false "${FLAGS[@]}" >"$W/serve.out" 2>&1 &
KPID=$!; PIDS+=($KPID)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/epj/r4/939000011/\$process-message"
sim_accepted() { curl -s "http://127.0.0.1:$SIMPORT/_stats" | python3 -c 'import json,sys;print(json.load(sys.stdin)["accepted"])'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
stored() { python3 -c "import sqlite3;print(sqlite3.connect('file:$W/knute.db?mode=ro',uri=True).execute('select count(*) from hub_messages').fetchone()[0])"; }

run_wrk() { # label conns delay url [auth]
  local out auth=()
  [ -n "${5:-}" ] && auth=(-H "Authorization: Bearer $5")
  out=$(BENCH_DELAY_MS=$3 "${PIN1[@]}" wrk -t"$THREADS" -c"$2" -d"$DURATION" --latency -s "$ROOT/bench/hub/post_message.lua" \
        "${auth[@]}" "$4" | grep RESULT)
  echo "$1: $out" >&2
  echo "$out"
}

# warm-up
BENCH_DELAY_MS=0 wrk -t1 -c4 -d2s -s "$ROOT/bench/hub/post_message.lua" -H "Authorization: Bearer $SUP" "$URL" >/dev/null
now() { date +%s.%N; }
drain() { local total; total=$(stored); for _ in $(seq 1 600); do [ "$(sim_accepted)" -ge "$total" ] && break; sleep 0.1; done; }
report() { # label d0 t0 d1 t1 d2 t2 total
  python3 - "$@" <<'PY'
import sys
label = sys.argv[1]
d0, t0, d1, t1, d2, t2, total = map(float, sys.argv[2:])
print("delivery to epj-sim, %s: %.0f msg/s during intake, %d of %d delivered when intake stopped, drained %.1f s later"
      % (label, (d1 - d0) / (t1 - t0), d1, total, t2 - t1))
PY
}

# (a) max load, then let the outbox drain, so (b) measures a steady state and not the catch-up
D0=$(sim_accepted); T0=$(now)
MAX=$(run_wrk "knute max load (c=$CONNS)" "$CONNS" 0 "$URL" "$SUP")
T1=$(now); D1=$(sim_accepted); TOTAL=$(stored)
drain; T2=$(now); D2=$(sim_accepted)
report "max load" "$D0" "$T0" "$D1" "$T1" "$D2" "$T2" "$TOTAL"
RPS=$(echo "$MAX" | field rps)
HALF=$(python3 -c "print(int($RPS/2))")
DELAY=$(python3 -c "print(max(1, round($CONNS*1000/max(1,$HALF))))")
# (b) half load with delivery running beside it: does delivery keep up?
D3=$(sim_accepted); T3=$(now)
HALFR=$(run_wrk "knute half load (target $HALF/s: c=$CONNS, delay ${DELAY} ms)" "$CONNS" "$DELAY" "$URL" "$SUP")
T4=$(now); D4=$(sim_accepted); TOTAL=$(stored)
drain; T5=$(now); D5=$(sim_accepted)
report "half load" "$D3" "$T3" "$D4" "$T4" "$D5" "$T5" "$TOTAL"

PEER_RPS=""
if [ "$PEER" = 1 ] && [ -x "$PEERS/start_peer.sh" ]; then
  PPORT=$(free_port)
  if PPID_=$("$PEERS/start_peer.sh" "$PPORT" 0 2>"$W/peer.err"); then
    PIDS+=($PPID_)
    PEER_OUT=$(run_wrk "peer (Medplum, validating, in memory) c=$CONNS" "$CONNS" 0 "http://127.0.0.1:$PPORT/fhir/R4/Bundle")
    PEER_RPS=$(echo "$PEER_OUT" | field rps)
    kill "$PPID_" 2>/dev/null || true
  else
    echo "peer: could not start ($(cat "$W/peer.err"))"
  fi
fi
[ -n "$PEER_RPS" ] && python3 -c "print('knute / peer accepted msg/s: %.1fx' % ($RPS / max(1e-9, $PEER_RPS)))"

if [ "$MESSAGES" -gt 0 ]; then
  for _ in $(seq 1 1000); do
    [ "$(stored)" -ge "$MESSAGES" ] && break
    BENCH_DELAY_MS=0 "${PIN1[@]}" wrk -t"$THREADS" -c"$CONNS" -d10s -s "$ROOT/bench/hub/post_message.lua" \
      -H "Authorization: Bearer $SUP" "$URL" >/dev/null
  done
  echo "RSS of knute after $(stored) stored messages: $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$KPID/status)"
fi
echo "RSS of knute now: $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$KPID/status)"
