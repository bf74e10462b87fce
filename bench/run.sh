#!/usr/bin/env bash
# bench/run.sh - Knute throughput benchmark with wrk.
#
#   bench/run.sh [--no-peer] [--with-peers] [--duration 10s] [--connections 64] [--threads 2] [--no-build]
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
# Then, in the same run (skip with --no-peer), the peers from ../shared/bench/peers:
#   (c) Medplum's FHIR layer (start_peer.sh, in memory, validating, NOT durable) on CPU 0 with the
#       same wrk settings: POST Observation (wrk/post_observation.lua) and GET Observation by id
#       (wrk/get_by_id.lua after a 2000-resource preload with load.mjs); then it is stopped;
#   (d) the disk under the Knute database: fsync_probe (4 KiB + fdatasync, 3 s) and sqlite_ingest
#       (WAL, synchronous=FULL, 1 and 1000 rows per transaction, BENCH_PROBE_SECS=5 s each);
# and prints the ratios Knute / peer. Peer failures (no node/npm/network, no gcc/libsqlite3-dev)
# are reported and skipped; they never change the exit code.
# --with-peers also runs ../shared/bench/peers/run_sqlite.sh (full fsync and SQLite ingest limits,
# ~5 min) for the same machine.
#
# Settings for knute are passed as flags; no KNUTE_* variable is exported (knute would read it).
# Env: BENCH_BUILD_DIR (build-release), BENCH_KEEP=1 keeps the temporary folder,
#      BENCH_PIN=0 lets the scheduler place server and wrk on both CPUs,
#      BENCH_SERVER_FLAGS extra `knute serve` flags (e.g. "--threads=8"),
#      BENCH_PEERS_DIR (../shared/bench/peers), PEER_WORKDIR (peer's npm folder, /tmp/knute-peers),
#      BENCH_PEER_START_TIMEOUT (300 s, includes the first npm ci), BENCH_PROBE_SECS (5).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-release}
DURATION=10s
CONNS=64
THREADS=2
WITH_PEERS=0
PEER=1
BUILD_IT=1
TARGET_NOOP=50000
TARGET_WRITE=30000

while [ $# -gt 0 ]; do
  case "$1" in
    --with-peers) WITH_PEERS=1 ;;
    --no-peer|--no-peers) PEER=0 ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --no-build) BUILD_IT=0 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
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
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER=(taskset -c 0)
  PIN_WRK=(taskset -c 1)
  PINNING="server on CPU 0, wrk on CPU 1"
else
  PINNING="no pinning (BENCH_PIN=0, taskset missing or one CPU)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/knute-bench-XXXXXX")
SERVER_PID=""
PEER_PID=""

# descendants PID -> the PIDs of PID's children, grandchildren, ... (the peer runs under node).
descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null || true); do echo "$c"; descendants "$c"; done
}
# stop_peer: SIGTERM the peer and its descendants, SIGKILL whatever is left after 5 s.
stop_peer() {
  [ -n "$PEER_PID" ] || return 0
  local pids
  pids="$PEER_PID $(descendants "$PEER_PID" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    local alive=0 p
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  PEER_PID=""
}
cleanup() {
  stop_peer
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "(kept $WORK)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

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
PORT=$(free_port)
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

# run_wrk LABEL OUTFILE wrk-args...  -> prints "req/s p50 p99 non2xx errors requests"
# wrk runs in $WRK_DIR (the peer's Lua scripts load ./wrk/common.lua); headers come from the args.
WRK_DIR=$WORK
run_wrk() {
  local label=$1 out=$2
  shift 2
  echo "== $label: wrk -t$THREADS -c$CONNS -d$DURATION --latency $*" | sed 's/Bearer [^ ]*/Bearer .../' >&2
  (cd "$WRK_DIR" && "${PIN_WRK[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@") >"$out" 2>&1 || true
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
# warm WRK-ARGS...: a 2 s unreported run (connections, page cache, JIT).
warm() { (cd "$WRK_DIR" && "${PIN_WRK[@]}" wrk -t"$THREADS" -c"$CONNS" -d2s "$@") >/dev/null 2>&1 || true; }

# Warm-up (connections, page cache), not reported.
warm -H "$AUTH" "$URL/api/v1/noop"

read -r NOOP_RPS NOOP_P50 NOOP_P99 NOOP_NON NOOP_ERR NOOP_REQS < <(run_wrk "no-op" "$WORK/wrk-noop.txt" \
  -H "$AUTH" "$URL/api/v1/noop")
read -r W_RPS W_P50 W_P99 W_NON W_ERR W_REQS < <(run_wrk "durable write" "$WORK/wrk-write.txt" \
  -H "$AUTH" -s "$ROOT/bench/post_citizens.lua" "$URL$CITIZENS")

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

# ---------------------------------------------------------------------------------------------
# Peers, same run, same wrk settings and pinning. Nothing here changes the exit code.
PEERS_DIR=${BENCH_PEERS_DIR:-$ROOT/../shared/bench/peers}
[ -d "$PEERS_DIR" ] && PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
PEER_NOTE="skipped (--no-peer)"
PROBE_NOTE="skipped (--no-peer)"
MC_RPS=""; MR_RPS=""; FS_OPS=""; SQ1_RPS=""; SQ1000_RPS=""

# Medplum's FHIR layer: start, wait for /healthz, create run, preload + read run, stop.
run_medplum() {
  local f
  for f in start_peer.sh load.mjs wrk/post_observation.lua wrk/get_by_id.lua wrk/common.lua; do
    [ -f "$PEERS_DIR/$f" ] || { PEER_NOTE="not run: $PEERS_DIR/$f not found"; return 1; }
  done
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PEER_NOTE="not run: node/npm missing"; return 1; fi
  local pport cpus=() log=$WORK/peer-start.err
  pport=$(free_port)
  [ ${#PIN_SERVER[@]} -gt 0 ] && cpus=(0)
  local note=""
  [ -d "${PEER_WORKDIR:-/tmp/knute-peers}/node_modules" ] || note=" (first start: npm ci in ${PEER_WORKDIR:-/tmp/knute-peers}, may take a minute)"
  echo "== Medplum peer: start_peer.sh $pport ${cpus[*]:-}$note" >&2
  # timeout (own process group) also ends a node that start_peer.sh left behind on a timeout.
  if ! PEER_PID=$(timeout -k 5 "${BENCH_PEER_START_TIMEOUT:-300}" bash "$PEERS_DIR/start_peer.sh" "$pport" "${cpus[@]}" 2>"$log"); then
    PEER_PID=""
    PEER_NOTE="not run: the Medplum peer did not start (npm ci needs the network on first use): $(tail -n 3 "$log" | tr '\n' ' ')"
    return 1
  fi
  PEER_PID=$(printf '%s\n' "$PEER_PID" | tail -n 1)
  case "$PEER_PID" in ''|*[!0-9]*) PEER_NOTE="not run: start_peer.sh printed no PID"; PEER_PID=""; return 1 ;; esac
  local purl=http://127.0.0.1:$pport
  curl -fs "$purl/healthz" >/dev/null || { PEER_NOTE="not run: peer does not answer on $purl/healthz"; stop_peer; return 1; }
  echo "   peer PID $PEER_PID, $(node --version), $(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "${PEER_WORKDIR:-/tmp/knute-peers}/node_modules/@medplum/core/package.json" 2>/dev/null | head -1 | sed 's/^/@medplum\/core /')" >&2

  WRK_DIR=$PEERS_DIR
  warm -s wrk/post_observation.lua "$purl/fhir/R4/Observation"
  read -r MC_RPS MC_P50 MC_P99 MC_NON MC_ERR MC_REQS < <(run_wrk "Medplum create Observation (validated)" \
    "$WORK/wrk-peer-create.txt" -s wrk/post_observation.lua "$purl/fhir/R4/Observation")
  # Read by id: load.mjs posts 2000 more Observations and writes their ids to ./data/ids.txt.
  mkdir -p "$WORK/peer-load"
  if (cd "$WORK/peer-load" && "${PIN_WRK[@]}" node "$PEERS_DIR/load.mjs" 2000 1000 32 "$pport") >"$WORK/peer-load.out" 2>&1; then
    export IDS_FILE=$WORK/peer-load/data/ids.txt
    warm -s wrk/get_by_id.lua "$purl"
    read -r MR_RPS MR_P50 MR_P99 MR_NON MR_ERR MR_REQS < <(run_wrk "Medplum read Observation by id" \
      "$WORK/wrk-peer-read.txt" -s wrk/get_by_id.lua "$purl")
    unset IDS_FILE
  else
    echo "   peer preload failed, no read run: $(tail -n 2 "$WORK/peer-load.out" | tr '\n' ' ')" >&2
  fi
  WRK_DIR=$WORK
  local stats; stats=$(curl -fs "$purl/stats" 2>/dev/null || echo '?')
  stop_peer
  if curl -fs "$purl/healthz" >/dev/null 2>&1; then PEER_NOTE="WARNING: peer still answers after stop"; return 1; fi
  PEER_NOTE="Medplum peer stopped (stats at stop: $stats)"
}

# Physical limits of the disk under the Knute database (same filesystem, same CPU as the server).
run_probe() {
  command -v gcc >/dev/null || { PROBE_NOTE="not run: gcc missing"; return 1; }
  local f
  for f in fsync_probe.c sqlite_ingest.c; do
    [ -f "$PEERS_DIR/$f" ] || { PROBE_NOTE="not run: $PEERS_DIR/$f not found"; return 1; }
  done
  local dir=$WORK/probe secs=${BENCH_PROBE_SECS:-5}
  mkdir -p "$dir"
  echo "== physical limits on $dir: fsync_probe (3 s), sqlite_ingest FULL 1 and 1000 rows/txn (${secs} s max each)" >&2
  if gcc -O2 -Wall -o "$WORK/fsync_probe" "$PEERS_DIR/fsync_probe.c" 2>"$WORK/probe-cc.err"; then
    local out; out=$("${PIN_SERVER[@]}" "$WORK/fsync_probe" "$dir" 3 overwrite fdatasync 2>&1 || true)
    echo "   $out" >&2
    FS_OPS=$(printf '%s\n' "$out" | sed -n 's/.* ops_per_s=\([0-9]*\).*/\1/p')
    FS_P50=$(printf '%s\n' "$out" | sed -n 's/.* p50_us=\([0-9]*\).*/\1/p')
  fi
  if ! gcc -O2 -Wall -o "$WORK/sqlite_ingest" "$PEERS_DIR/sqlite_ingest.c" -lsqlite3 2>>"$WORK/probe-cc.err"; then
    PROBE_NOTE="sqlite_ingest not built (apt-get install -y libsqlite3-dev): $(head -n 1 "$WORK/probe-cc.err")"
    return 1
  fi
  local b out
  for b in 1 1000; do
    out=$("${PIN_SERVER[@]}" "$WORK/sqlite_ingest" -d "$dir/ingest.db" -n 300000 -s FULL -b "$b" -m "$secs" 2>&1 || true)
    rm -f "$dir/ingest.db" "$dir/ingest.db-wal" "$dir/ingest.db-shm"
    echo "   $out" >&2
    printf -v "SQ${b}_RPS" '%s' "$(printf '%s\n' "$out" | sed -n 's/.* ins_per_s=\([0-9]*\).*/\1/p')"
    printf -v "SQ${b}_P50" '%s' "$(printf '%s\n' "$out" | sed -n 's/.* tx_p50_us=\([0-9]*\).*/\1/p')"
  done
  PROBE_NOTE="$(findmnt -no SOURCE,FSTYPE -T "$dir" 2>/dev/null || echo '?'), sqlite $(sqlite3 --version | cut -d' ' -f1)"
}

if [ "$PEER" = 1 ]; then
  echo >&2
  run_medplum || echo "bench: Medplum peer $PEER_NOTE" >&2
  stop_peer
  run_probe || echo "bench: physical-limit probe $PROBE_NOTE" >&2
fi

verdict() { python3 -c "import sys; print('ok' if float(sys.argv[1]) >= float(sys.argv[2]) else 'BELOW')" "$1" "$2"; }
# ratio A B -> "A/B" with two decimals and an x, or n/a
ratio() { python3 -c "import sys
try: a, b = float(sys.argv[1]), float(sys.argv[2])
except ValueError: a = b = 0
print('%.2fx' % (a / b) if a > 0 and b > 0 else 'n/a')" "${1:-}" "${2:-}"; }
row() { printf '| %-62s | %9s | %8s | %8s | %8s | %-6s |\n' "$@"; }

echo
echo "== Knute benchmark ($(date -Is), $(nproc) CPUs, $PINNING, wrk -t$THREADS -c$CONNS -d$DURATION)"
echo "   knute: $("$KNUTE" version | head -1), $(uname -r), database on $(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || echo '?'), extra flags: ${BENCH_SERVER_FLAGS:-none}"
row "run" "req/s" "p50 ms" "p99 ms" "target" ""
printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------------------------------------------" "-----------" "----------" "----------" "----------" "--------"
row "Knute GET /api/v1/noop (API key)" "$NOOP_RPS" "$NOOP_P50" "$NOOP_P99" "$TARGET_NOOP" "$(verdict "$NOOP_RPS" "$TARGET_NOOP")"
row "Knute POST citizens (durable, group commit)" "$W_RPS" "$W_P50" "$W_P99" "$TARGET_WRITE" "$(verdict "$W_RPS" "$TARGET_WRITE")"
if [ -n "$MC_RPS" ]; then
  row "Medplum POST Observation (validated, in memory, not durable)" "$MC_RPS" "$MC_P50" "$MC_P99" "-" ""
fi
if [ -n "$MR_RPS" ]; then
  row "Medplum GET Observation by id (in memory)" "$MR_RPS" "$MR_P50" "$MR_P99" "-" ""
fi
if [ -n "$FS_OPS" ]; then
  row "disk: 4 KiB pwrite + fdatasync (ops/s, p50 in ms)" "$FS_OPS" "$(python3 -c "print('%.2f' % ($FS_P50/1000))")" "-" "-" ""
fi
if [ -n "$SQ1_RPS" ]; then
  row "SQLite WAL FULL, 1 row/txn (rows/s, txn p50)" "$SQ1_RPS" "$(python3 -c "print('%.2f' % ($SQ1_P50/1000))")" "-" "-" ""
fi
if [ -n "$SQ1000_RPS" ]; then
  row "SQLite WAL FULL, 1000 rows/txn (rows/s, txn p50)" "$SQ1000_RPS" "$(python3 -c "print('%.2f' % ($SQ1000_P50/1000))")" "-" "-" ""
fi
echo
echo "   no-op: $NOOP_REQS requests, non-2xx $NOOP_NON, socket errors $NOOP_ERR"
echo "   write: $W_REQS requests, non-2xx $W_NON, socket errors $W_ERR; rows stored $STORED; integrity_check $INTEGRITY"
echo "   group commit: $BATCH"
echo "   knute serve exit code after SIGTERM: $SERVER_RC"
if [ "$PEER" = 1 ]; then
  [ -n "$MC_RPS" ] && echo "   Medplum create: $MC_REQS requests, non-2xx $MC_NON, socket errors $MC_ERR"
  [ -n "$MR_RPS" ] && echo "   Medplum read:   $MR_REQS requests, non-2xx $MR_NON, socket errors $MR_ERR"
  echo "   peer: $PEER_NOTE"
  echo "   disk probe: $PROBE_NOTE"
  echo
  echo "   Ratios (same run; >1 means Knute is faster):"
  printf '| %-88s | %8s |\n' "ratio" "value"
  printf '|%s|%s|\n' "------------------------------------------------------------------------------------------" "----------"
  printf '| %-88s | %8s |\n' "Knute durable writes/s / Medplum validated creates/s (Medplum: in memory, not durable)" "$(ratio "$W_RPS" "$MC_RPS")"
  printf '| %-88s | %8s |\n' "Knute durable writes/s / SQLite FULL 1-row-per-transaction rows/s (this disk)" "$(ratio "$W_RPS" "$SQ1_RPS")"
  printf '| %-88s | %8s |\n' "Knute durable writes/s / SQLite FULL 1000-rows-per-transaction rows/s (batch ceiling)" "$(ratio "$W_RPS" "$SQ1000_RPS")"
  printf '| %-88s | %8s |\n' "Knute no-op (API key) / Medplum read by id (no auth, in memory)" "$(ratio "$NOOP_RPS" "$MR_RPS")"
fi
STATUS=0
if [ "$W_NON" != 0 ] || [ "$NOOP_NON" != 0 ]; then echo "   WARNING: non-2xx answers (see wrk output above)"; STATUS=1; fi
if [ "$STORED" -lt "$((W_REQS - W_NON))" ]; then echo "   ERROR: fewer rows stored than writes acknowledged"; STATUS=1; fi
if [ "$INTEGRITY" != ok ] || [ "$SERVER_RC" != 0 ]; then STATUS=1; fi

if [ "$WITH_PEERS" = 1 ]; then
  PEERS=$PEERS_DIR/run_sqlite.sh
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
