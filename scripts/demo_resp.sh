#!/usr/bin/env bash
# Response-service part of the demo (called by scripts/run.sh after `knute demo`):
# an alarm receiver (alarmmottak) as an API-key client with scope
# knute/alarms.write and a grant at Knutby, so alarms can be posted at once:
#
#   scripts/demo_resp.sh KNUTE_BIN      once per database; prints the key file
#
#   curl -H "Authorization: Bearer $(cat build/demo-alarmmottak.key)" \
#        -H 'Content-Type: application/json' \
#        -d '{"device":"TA-100-0001","alert_code":"3","time":"2026-11-22T10:15:00+01:00"}' \
#        http://localhost:8080/api/v1/municipalities/939000011/alarms
#
# The key is kept in build/demo-alarmmottak.key (mode 600): a demo secret on
# the developer's machine, never used outside the demo.
set -euo pipefail
KNUTE=$1
MUNI=939000011
KEYFILE=build/demo-alarmmottak.key
key_of() { grep -o 'knk_[A-Za-z0-9_-]*'; }

if [ ! -s "$KEYFILE" ]; then
  name=alarmmottak   # client names are unique: a rerun after a lost key file gets a new one
  if "$KNUTE" client list | grep -qw "$name"; then name=alarmmottak-$(date +%s); fi
  (umask 077; "$KNUTE" client add "$name" --kind apikey --scope "knute/alarms.write" \
     --grant "$MUNI:operator" | key_of >"$KEYFILE")
  echo "response demo: alarm receiver $name may post alarms to Knutby" >&2
fi
echo "$KEYFILE"
