#!/bin/bash
# scripts/test.sh [CTEST ARGS...] — the whole test suite: set up and build
# build/, run ctest there, then build build-asan/ (AddressSanitizer +
# UBSan, -DCVISOR_SANITIZE=ON) and run ctest again. Extra arguments go to
# both ctest runs (e.g. -L guest). Exits non-zero if anything failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
status=0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
quiet() {
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "test.sh: failed: $*" >&2
		return 1
	fi
}

echo "== setup + build (build/)"
scripts/setup.sh || exit 1
echo "== ctest (build/)"
ctest --test-dir build --output-on-failure -j2 "$@" || status=1

echo "== build with sanitizers (build-asan/)"
if quiet cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCVISOR_SANITIZE=ON &&
	quiet cmake --build build-asan -j"$jobs"; then
	echo "== ctest (build-asan/)"
	ctest --test-dir build-asan --output-on-failure -j2 "$@" || status=1
else
	status=1
fi

if [ $status = 0 ]; then
	echo "== all tests passed"
else
	echo "== FAILURES (see above)" >&2
fi
exit $status
