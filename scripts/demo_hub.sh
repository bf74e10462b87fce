#!/usr/bin/env bash
# Hub part of the demo (called by scripts/run.sh after `knute demo`): a test EPJ,
# `knute epj-sim`, receives Knutby's messages and acknowledges them, and the demo
# supplier system has sent two sample VKP messages, so Meldinger (knutepunkt)
# shows messages, deliveries and the register at once.
#
#   scripts/demo_hub.sh KNUTE_BIN           set up once per database, then start
#                                           epj-sim in the background; prints its PID
# The EPJ's API key is kept in build/demo-epj.key (mode 600): a demo secret on
# the developer's machine, never used outside the demo.
set -euo pipefail
KNUTE=$1
MUNI=939000011
PORT=${KNUTE_DEMO_EPJ_PORT:-8091}
KEYFILE=build/demo-epj.key
key_of() { grep -o 'knk_[A-Za-z0-9_-]*'; }

if [ "$("$KNUTE" delivery dest list --receiver "$MUNI" | grep -c demo-epj)" = 0 ] || [ ! -s "$KEYFILE" ]; then
  suffix=$(date +%s)   # client names are unique; a rerun after a lost key file gets new ones
  sup=demo-leverandor-$suffix
  epj=demo-epj-$suffix
  "$KNUTE" client add "$sup" --kind apikey --scope "vkp/write vkp/read" --grant "$MUNI:operator" >/dev/null
  (umask 077; "$KNUTE" client add "$epj" --kind apikey --scope "vkp/read" --grant "$MUNI:operator" | key_of >"$KEYFILE")
  "$KNUTE" hub grant add --client "$sup" --receiver "$MUNI" --resource '*' --access write >/dev/null
  "$KNUTE" hub grant add --client "$epj" --receiver "$MUNI" --resource '*' --access read >/dev/null
  dest=$("$KNUTE" delivery dest add demo-epj --receiver "$MUNI" --url "http://127.0.0.1:$PORT/epj" | awk '{print $2}')
  "$KNUTE" delivery route add --receiver "$MUNI" --event '*' --dest "$dest" >/dev/null
  for f in tests/fhir/vkp/valid/msg-medicationdispense.json tests/fhir/vkp/valid/msg-patientcomposition.json; do
    "$KNUTE" hub send --receiver "$MUNI" --client "$sup" "$f" >/dev/null
  done
  echo "hub demo: supplier $sup sent 2 messages; test EPJ (epj-sim) on port $PORT" >&2
fi
"$KNUTE" epj-sim --port="$PORT" --listen=127.0.0.1 --api-key "$(cat "$KEYFILE")" >build/demo-epj.log 2>&1 &
echo $!
