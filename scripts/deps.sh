#!/usr/bin/env bash
# Installs the Debian 12 packages Knute needs that are missing, and nothing
# else. `deps.sh build` for building and running; `deps.sh test` adds what the
# test suite needs (cmocka, clang, python3, Chromium, Node.js). Run as root.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
            libsodium-dev libssl-dev libxlsxwriter-dev libcurl4-openssl-dev)
test_pkgs=(clang libclang-rt-14-dev libcmocka-dev python3 sqlite3 openssl chromium ca-certificates
           xlsx2csv)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then
  want+=("${test_pkgs[@]}")
  command -v node >/dev/null 2>&1 || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
