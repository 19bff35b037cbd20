#!/bin/bash
# scripts/fuzz.sh [SECONDS] [BUILD-DIR] — build the gofer fuzz targets with
# clang + libFuzzer (+ ASan/UBSan) and run each for SECONDS (default 30)
# from the generated seed corpus. A crash leaves crash-TARGET-* in
# BUILD-DIR/tests/fuzz: copy it into tests/fuzz/regressions/TARGET/ with the
# fix so every ctest run replays it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
build=${2:-$root/build-fuzz}
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCVISOR_FUZZ=ON \
	-DCVISOR_FUZZ_SECONDS="$secs" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
ctest --test-dir "$build" --output-on-failure -j2
