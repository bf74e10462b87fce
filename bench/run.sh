#!/usr/bin/env bash
# bench/run.sh - Knute throughput benchmark with wrk.
#
#   bench/run.sh [--with-peers] [--duration 10s] [--connections 64] [--threads 2] [--no-build]
#
# Builds a Release knute (build-release/) if needed, loads the demo data into a fresh database
# in a temporary folder, creates an API-key client, starts `knute serve` on a free port
# (access_log=false, log_level=warn) pinned to CPU 0 and runs wrk pinned to CPU 1:
#   (a) GET /api/v1/noop, authenticated with the API key (the HTTP + auth floor),
#   (b) POST /api/v1/municipalities/939000011/citizens, one new citizen per request with a
#       unique valid synthetic person number (bench/post_citizens.lua): the durable write path,
#       acknowledged only after the group commit is on disk.
# Reports req/s, p50 and p99 per run, the group-commit batch sizes from /metrics
# (knute_store_commit_batch_size) and checks the rows really are in the database.
# --with-peers also runs ../shared/bench/peers/run_sqlite.sh (fsync and SQLite ingest limits,
# ~5 min) for the same machine.
#
# Settings for knute are passed as flags; no KNUTE_* variable is exported (knute would read it).
# Env: BENCH_BUILD_DIR (build-release), BENCH_KEEP=1 keeps the temporary folder,
#      BENCH_SERVER_FLAGS extra `knute serve` flags (e.g. "--threads=8").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-release}
DURATION=10s
CONNS=64
THREADS=2
WITH_PEERS=0
BUILD_IT=1
TARGET_NOOP=50000
TARGET_WRITE=30000

while [ $# -gt 0 ]; do
  case "$1" in
    --with-peers) WITH_PEERS=1 ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --no-build) BUILD_IT=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in wrk curl python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y wrk curl python3 sqlite3)" >&2; exit 1; }
done
# Never let the caller's KNUTE_* variables reach knute.
for v in $(env | sed -n 's/^\(KNUTE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

if [ "$BUILD_IT" = 1 ]; then
  if [ ! -x "$BUILD/knute" ] || [ -n "$(find "$ROOT/src" "$ROOT/CMakeLists.txt" -newer "$BUILD/knute" -print -quit)" ]; then
    echo "== building Release knute in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target knute >/dev/null
  fi
fi
KNUTE=$BUILD/knute
[ -x "$KNUTE" ] || { echo "bench: $KNUTE not found" >&2; exit 1; }

PIN_SERVER=()
PIN_WRK=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER=(taskset -c 0)
  PIN_WRK=(taskset -c 1)
  PINNING="server on CPU 0, wrk on CPU 1"
else
  PINNING="no pinning (taskset missing or one CPU)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/knute-bench-XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "(kept $WORK)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

DB=$WORK/bench.db
FLAGS=(--database="$DB" --log-file="$WORK/knute.log" --log-level=warn --access-log=false
       --web-root="$ROOT/web")
# Extra server settings for experiments, e.g. BENCH_SERVER_FLAGS="--threads=8"
read -r -a EXTRA_FLAGS <<< "${BENCH_SERVER_FLAGS:-}"
cd "$WORK"
"$KNUTE" demo "${FLAGS[@]}" >/dev/null
KEY=$("$KNUTE" client add bench --kind apikey --scope "knute/api knute/citizens.write knute/metrics" \
        --grant 939000011:case_worker,auditor "${FLAGS[@]}" | sed -n 's/^API key (shown once, store it safely): //p')
[ -n "$KEY" ] || { echo "bench: no API key from knute client add" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT

"${PIN_SERVER[@]}" "$KNUTE" serve --port="$PORT" "${FLAGS[@]}" "${EXTRA_FLAGS[@]}" >"$WORK/serve.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$URL/healthz" >/dev/null || { echo "bench: knute did not start:"; cat "$WORK/serve.out"; exit 1; }

AUTH="Authorization: Bearer $KEY"
CITIZENS=/api/v1/municipalities/939000011/citizens

# run_wrk LABEL OUTFILE wrk-args...  -> prints "req/s p50 p99 non2xx errors"
run_wrk() {
  local label=$1 out=$2
  shift 2
  echo "== $label: wrk -t$THREADS -c$CONNS -d$DURATION --latency $*" >&2
  "${PIN_WRK[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "$AUTH" "$@" >"$out" 2>&1
  sed 's/^/   /' "$out" >&2
  python3 - "$out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
p50 = re.search(r"^\s+50%\s+(\S+)", t, re.M)
p99 = re.search(r"^\s+99%\s+(\S+)", t, re.M)
non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
err = re.search(r"Socket errors:(.*)", t)
reqs = re.search(r"(\d+) requests in", t)
print("%.0f %.2f %.2f %d %s %d" % (float(rps.group(1)) if rps else 0, ms(p50.group(1)) if p50 else float("nan"),
      ms(p99.group(1)) if p99 else float("nan"), int(non.group(1)) if non else 0,
      (err.group(1).strip().replace(" ", "") if err else "none"), int(reqs.group(1)) if reqs else 0))
PY
}

# Warm-up (connections, page cache), not reported.
"${PIN_WRK[@]}" wrk -t"$THREADS" -c"$CONNS" -d2s -H "$AUTH" "$URL/api/v1/noop" >/dev/null 2>&1 || true

read -r NOOP_RPS NOOP_P50 NOOP_P99 NOOP_NON NOOP_ERR NOOP_REQS < <(run_wrk "no-op" "$WORK/wrk-noop.txt" "$URL/api/v1/noop")
read -r W_RPS W_P50 W_P99 W_NON W_ERR W_REQS < <(run_wrk "durable write" "$WORK/wrk-write.txt" \
  -s "$ROOT/bench/post_citizens.lua" "$URL$CITIZENS")

METRICS=$(curl -fs -H "$AUTH" "$URL/metrics" || true)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" && SERVER_RC=0 || SERVER_RC=$?
SERVER_PID=""
STORED=$(sqlite3 "$DB" "SELECT count(*) FROM citizens WHERE family_name = 'Testesen'")
INTEGRITY=$(sqlite3 "$DB" "PRAGMA integrity_check")

BATCH=$(printf '%s\n' "$METRICS" | python3 -c '
import re, sys
t = sys.stdin.read()
def val(name):
    m = re.search(r"^%s(?:\{\})? ([\d.e+]+)$" % name, t, re.M)
    return float(m.group(1)) if m else 0.0
n, s = val("knute_store_commit_batch_size_count"), val("knute_store_commit_batch_size_sum")
buckets = re.findall(r"^knute_store_commit_batch_size_bucket\{le=\"([^\"]+)\"\} (\d+)", t, re.M)
prev, parts = 0, []
for le, c in buckets:
    c = int(c)
    if c - prev:
        parts.append("<=%s:%d" % (le, c - prev))
    prev = c
cd = val("knute_store_commit_duration_seconds_sum"), val("knute_store_commit_duration_seconds_count")
print("commits=%d mean_batch=%.1f mean_commit_ms=%.2f buckets=%s" % (n, s / n if n else 0,
      1000 * cd[0] / cd[1] if cd[1] else 0, ",".join(parts) or "-"))
')

verdict() { python3 -c "import sys; print('ok' if float(sys.argv[1]) >= float(sys.argv[2]) else 'BELOW')" "$1" "$2"; }

echo
echo "== Knute benchmark ($(date -Is), $(nproc) CPUs, $PINNING, wrk -t$THREADS -c$CONNS -d$DURATION)"
echo "   knute: $("$KNUTE" version | head -1), $(uname -r), database on $(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || echo '?'), extra flags: ${BENCH_SERVER_FLAGS:-none}"
printf '| %-44s | %9s | %8s | %8s | %8s | %-6s |\n' "run" "req/s" "p50 ms" "p99 ms" "target" ""
printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------------------------" "-----------" "----------" "----------" "----------" "--------"
printf '| %-44s | %9s | %8s | %8s | %8s | %-6s |\n' "GET /api/v1/noop (API key)" "$NOOP_RPS" "$NOOP_P50" "$NOOP_P99" "$TARGET_NOOP" "$(verdict "$NOOP_RPS" "$TARGET_NOOP")"
printf '| %-44s | %9s | %8s | %8s | %8s | %-6s |\n' "POST citizens (durable, group commit)" "$W_RPS" "$W_P50" "$W_P99" "$TARGET_WRITE" "$(verdict "$W_RPS" "$TARGET_WRITE")"
echo
echo "   no-op: $NOOP_REQS requests, non-2xx $NOOP_NON, socket errors $NOOP_ERR"
echo "   write: $W_REQS requests, non-2xx $W_NON, socket errors $W_ERR; rows stored $STORED; integrity_check $INTEGRITY"
echo "   group commit: $BATCH"
echo "   knute serve exit code after SIGTERM: $SERVER_RC"
STATUS=0
if [ "$W_NON" != 0 ] || [ "$NOOP_NON" != 0 ]; then echo "   WARNING: non-2xx answers (see wrk output above)"; STATUS=1; fi
if [ "$STORED" -lt "$((W_REQS - W_NON))" ]; then echo "   ERROR: fewer rows stored than writes acknowledged"; STATUS=1; fi
if [ "$INTEGRITY" != ok ] || [ "$SERVER_RC" != 0 ]; then STATUS=1; fi

if [ "$WITH_PEERS" = 1 ]; then
  PEERS=$ROOT/../shared/bench/peers/run_sqlite.sh
  if [ -x "$PEERS" ] || [ -f "$PEERS" ]; then
    echo
    echo "== physical limits: $PEERS (fsync and SQLite WAL ingest, ~5 min)"
    bash "$PEERS"
  else
    echo "bench: --with-peers: $PEERS not found" >&2
    STATUS=1
  fi
fi
exit $STATUS
