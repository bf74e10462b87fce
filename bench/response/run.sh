#!/usr/bin/env bash
# bench/response/run.sh - the response service's live path under load: alarms POSTed at a fixed
# rate while console streams (Server-Sent Events) listen; latency POST -> frame on every stream.
#
#   bench/response/run.sh [--duration 600] [--rate 1000] [--streams 200] [--conns 32] [--no-build]
#
# Builds a Release knute and resp_bench (BENCH_BUILD_DIR, default build-release) if needed, loads
# the demo data into a fresh database, registers three API-key clients (citizens writer, alarm
# receiver, console reader; grants in Knutby and Fjordvik), starts `knute serve` with
# access_log=false, log_level=warn and timers that stay quiet during the run (re-notify and
# escalation after a day/hour: nobody handles the bench's alarms, and reminders for hundreds of
# thousands of open alarms would be a different benchmark), then bench/response/resp_bench.c:
#   1. creates synthetic citizens (3 Knutby : 1 Fjordvik), enough that no citizen has two open
#      alarms with the same alert code during the run (no merging, no flood limit);
#   2. opens --streams console streams (every fourth for Fjordvik only, the rest for both);
#   3. posts --rate alarms/s, open loop, over --conns keep-alive connections, for --duration s;
#   4. reports, per stream and overall, p50/p99/max of POST written -> frame arrived for every
#      (alarm, stream) pair, frames missed (must be 0), resets, the achieved rate, and knute's
#      RSS every 10 s (flat: last minute within a few % of minute two).
# Pinning (2+ CPUs, BENCH_PIN=1): knute on CPU 0, resp_bench on CPU 1. BENCH_KEEP=1 keeps the
# temporary folder (database, knute log). Exit 1 when frames were missed, a stream was reset or
# ended, an alarm was refused, or knute did not stop cleanly.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-release}
DURATION=600
RATE=1000
STREAMS=200
CONNS=32
BUILD_IT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2%s}; shift ;;
    --rate) RATE=$2; shift ;;
    --streams) STREAMS=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --no-build) BUILD_IT=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench/response: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v curl >/dev/null || { echo "bench/response: curl is missing" >&2; exit 1; }
for v in $(env | sed -n 's/^\(KNUTE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

if [ "$BUILD_IT" = 1 ]; then
  if [ ! -x "$BUILD/knute" ] || [ ! -x "$BUILD/resp_bench" ] ||
     [ -n "$(find "$ROOT/src" "$ROOT/bench/response" -newer "$BUILD/resp_bench" -print -quit)" ]; then
    echo "== building Release knute and resp_bench in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target knute resp_bench >/dev/null
  fi
fi
KNUTE=$BUILD/knute
BENCH=$BUILD/resp_bench
PIN0=(); PIN1=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN0=(taskset -c 0); PIN1=(taskset -c 1)
fi

W=$(mktemp -d /tmp/knute-bench-resp-XXXXXX)
KPID=""
cleanup() { [ -n "$KPID" ] && kill "$KPID" 2>/dev/null || true; wait 2>/dev/null || true
            [ "${BENCH_KEEP:-0}" = 1 ] && echo "(kept $W)" || rm -rf "$W"; }
trap cleanup EXIT
FLAGS=(--database="$W/knute.db" --log-file="$W/knute.log" --web-root="$ROOT/web" --log-level=warn)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
key_of() { sed -n 's/.*\(knk_[A-Za-z0-9_-]*\).*/\1/p'; }

echo "== set-up in $W"
"$KNUTE" demo "${FLAGS[@]}" >/dev/null
CIT=$("$KNUTE" client add bench-citizens --kind apikey --scope "knute/api knute/citizens.write" \
      --grant 939000011:case_worker --grant 939000038:case_worker "${FLAGS[@]}" | key_of)
ALARM=$("$KNUTE" client add bench-alarms --kind apikey --scope "knute/alarms.write" \
        --grant 939000011:operator --grant 939000038:operator "${FLAGS[@]}" | key_of)
CONSOLE=$("$KNUTE" client add bench-consoles --kind apikey --scope "knute/resp.read" \
          --grant 939000011:operator --grant 939000038:operator "${FLAGS[@]}" | key_of)
PORT=$(free_port)
QUIET=(--resp-renotify-s=86400 --resp-forgotten-s=86400 --resp-default-step-timeout-s=3600
       --resp-supervise-safety-alarm-s=0 --resp-supervise-medication-dispenser-s=0
       --resp-supervise-gps-tracker-s=0 --resp-supervise-camera-s=0 --resp-supervise-vitals-kit-s=0)
"${PIN0[@]}" "$KNUTE" serve --port="$PORT" --access-log=false "${QUIET[@]}" ${BENCH_SERVER_FLAGS:-} \
  "${FLAGS[@]}" >"$W/serve.out" 2>&1 &
KPID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$W/serve.out"; exit 1; }
# the demo's routing rules escalate after 60-120 s; one 24/7 rule per municipality with an
# hour's timeout keeps the run to the alarms themselves
python3 - "$PORT" <<'PY'
import http.client, json, sys
port = int(sys.argv[1])
def req(method, path, body=None, cookie=None, csrf=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"Content-Type": "application/json"}
    if cookie: h["Cookie"] = "knute_session=" + cookie
    if csrf: h["X-CSRF-Token"] = csrf
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse(); data = r.read(); c.close()
    return r, data
r, data = req("POST", "/api/v1/session", {"username": "admin", "password": "demo-passord"})
cookie = [v.split(";")[0].split("=", 1)[1] for k, v in r.getheaders()
          if k.lower() == "set-cookie" and v.startswith("knute_session=")][0]
csrf = json.loads(data)["csrf_token"]
for muni in ("939000011", "939000038"):
    r, data = req("GET", "/api/v1/municipalities/%s/resp/rules" % muni, cookie=cookie)
    rules = json.loads(data)
    rules = rules.get("rules", rules) if isinstance(rules, dict) else rules
    for rule in rules:
        req("DELETE", "/api/v1/municipalities/%s/resp/rules/%s" % (muni, rule["id"]), cookie=cookie, csrf=csrf)
    r, data = req("POST", "/api/v1/municipalities/%s/resp/rules" % muni, {
        "name": "Benk: responssenter hele uka", "service": "*",
        "days": ["man", "tir", "ons", "tor", "fre", "l\u00f8r", "s\u00f8n"], "from": "00:00", "to": "24:00",
        "steps": [{"kind": "centre", "target": "Responssenter", "timeout_s": 3600}]}, cookie=cookie, csrf=csrf)
    if r.status not in (200, 201):
        print("bench/response: could not set the 24/7 rule for %s: %d %s" % (muni, r.status, data[:300]))
PY

echo "== knute pid $KPID on port $PORT; resp_bench: $STREAMS streams, $RATE alarms/s, $DURATION s"
set +e
"${PIN1[@]}" "$BENCH" --port "$PORT" --citizen-key "$CIT" --alarm-key "$ALARM" --console-key "$CONSOLE" \
  --streams "$STREAMS" --rate "$RATE" --duration "$DURATION" --conns "$CONNS" --pid "$KPID"
RC=$?
set -e
kill -TERM "$KPID"
STOP=0
wait "$KPID" || STOP=$?
KPID=""
if [ "$STOP" != 0 ]; then
  echo "bench/response: knute exited $STOP on SIGTERM"; tail -20 "$W/serve.out"; RC=1
fi
grep -i '"level":"error"' "$W/knute.log" | head -5 || true
exit $RC
