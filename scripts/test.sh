#!/bin/bash
# scripts/test.sh [CTEST ARGS...] — the whole test suite: set up and build
# build/, run ctest there, then build build-asan/ (AddressSanitizer +
# UBSan, -DCVISOR_SANITIZE=ON) and run ctest again, then a short libFuzzer
# run of the gofer targets (scripts/fuzz.sh). Extra arguments go to
# both ctest runs (e.g. -L guest). Exits non-zero if anything failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
# The sandbox mounts a private tmpfs on /tmp, so guests built under the
# host's /tmp would be invisible inside it: a checkout there builds in
# /var/tmp instead.
case "$root/" in
/tmp/*) out=/var/tmp/cvisor-test-$(printf %s "$root" | md5sum | cut -c1-12) ;;
*) out=$root ;;
esac
mkdir -p "$out"
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

echo "== setup + build ($out/build)"
BUILD_DIR=$out/build scripts/setup.sh || exit 1
echo "== ctest ($out/build)"
ctest --test-dir "$out/build" --output-on-failure -j2 "$@" || status=1

echo "== build with sanitizers ($out/build-asan)"
if quiet cmake -S . -B "$out/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCVISOR_SANITIZE=ON &&
	quiet cmake --build "$out/build-asan" -j"$jobs"; then
	echo "== ctest ($out/build-asan)"
	ctest --test-dir "$out/build-asan" --output-on-failure -j2 "$@" || status=1
else
	status=1
fi

# Only for a whole run: a filtered run (-R/-L) is about the main suite.
if [ $# = 0 ]; then
	echo "== fuzz smoke ($out/build-fuzz)"
	quiet scripts/fuzz.sh "${CVISOR_FUZZ_SECONDS:-30}" "$out/build-fuzz" || status=1
fi

if [ $status = 0 ]; then
	echo "== all tests passed"
else
	echo "== FAILURES (see above)" >&2
fi
exit $status
