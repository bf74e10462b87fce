#!/usr/bin/env bash
# First set-up command: install what is missing, build, create an SQLite
# database with demo data and start `knute serve` on http://localhost:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKNUTE_BLACKBOX_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target knute
./build/knute demo
exec ./build/knute serve "$@"
