#!/usr/bin/env bash
# First set-up command: install what is missing, build, create an SQLite
# database with demo data, start the test EPJ (knute epj-sim, port 8091) that
# receives the hub's deliveries, create the demo alarm receiver's API key
# (scripts/demo_resp.sh), and start `knute serve` on http://localhost:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target knute
./build/knute demo
EPJ_SIM=$(scripts/demo_hub.sh ./build/knute)   # test EPJ for the hub demo
trap 'kill "$EPJ_SIM" 2>/dev/null || true' EXIT
echo "alarm receiver (alarmmottak): API key in $(scripts/demo_resp.sh ./build/knute)" >&2
./build/knute serve "$@"
