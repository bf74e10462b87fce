#!/usr/bin/env bash
# Second set-up command: install what the tests need, then build and run the
# whole suite twice: gcc (release) and clang with AddressSanitizer + UBSan.
# Each run has unit tests, the HTTP suite, the durability test and the
# browser test against the real `knute` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
if [ -f package-lock.json ]; then
  npm ci --silent --no-audit --no-fund
fi

run_suite() {  # name, C compiler, extra cmake flags...
  local dir="build-test-$1" cc="$2"
  shift 2
  echo "== $dir: configure and build"
  CC="$cc" cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  echo "== $dir: ctest"
  ctest --test-dir "$dir" --output-on-failure -j2 --timeout 900
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite gcc gcc
run_suite asan clang -DKNUTE_SANITIZE=ON
