#!/usr/bin/env bash
# Second set-up command: install what the tests need, then build and run the
# whole suite twice: gcc (release) and clang with AddressSanitizer + UBSan,
# with a bounded libFuzzer run of the FHIR validator in between.
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

# Bounded libFuzzer run of parse + validate under ASan/UBSan (tests/fuzz/).
echo "== build-test-fuzz: libFuzzer, ${KNUTE_FUZZ_SECONDS:-60} s"
CC=clang cmake -S . -B build-test-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKNUTE_FUZZ=ON \
  -DKNUTE_SANITIZE=ON -DKNUTE_BLACKBOX_TESTS=OFF -DKNUTE_FUZZ_SECONDS="${KNUTE_FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-test-fuzz -j"$(nproc)" --target fuzz_validate
ctest --test-dir build-test-fuzz -L fuzz --output-on-failure

run_suite asan clang -DKNUTE_SANITIZE=ON
