#!/bin/bash
# bench/run.sh [BUILD_DIR] — native vs `cvisor do`, measured in this run:
#   1. ns per raw getpid syscall (bench/guest_getpid.c, N=$GETPID_N calls)
#   2. start-up: `cvisor do -- /bin/true` vs /bin/true, median of $RUNS runs
#      (hyperfine when installed, else a bash loop timed with date +%s%N).
# Extra `do` flags come from $CVISOR_FLAGS (e.g. --platform=ptrace).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
GETPID_N=${GETPID_N:-1000000}
RUNS=${RUNS:-20}
read -r -a flags <<<"${CVISOR_FLAGS:-}"

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target cvisor bench_guest_getpid -j"$(nproc)" >/dev/null
cvisor=$build/cvisor
guest=$build/bench/bench_guest_getpid
sandbox=("$cvisor" do "${flags[@]}" --)

ns_per_call() {
	local v
	v=$("$@" "$GETPID_N" | awk '/ns\/call/ { print $(NF - 1) }')
	[ -n "$v" ] || { echo "bench: no result from: $*" >&2; return 1; }
	echo "$v"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

native_ns=$(ns_per_call "$guest")
sandbox_ns=$(ns_per_call "${sandbox[@]}" "$guest")
printf '%-28s %12s %12s %8s\n' benchmark native cvisor ratio
printf '%-28s %12s %12s %8s\n' "getpid (ns/call)" "$native_ns" "$sandbox_ns" "$(ratio "$sandbox_ns" "$native_ns")"

# Median wall time in ms of RUNS runs of a command.
median_ms() {
	if command -v hyperfine >/dev/null; then
		local json
		json=$(mktemp)
		hyperfine -N --runs "$RUNS" --warmup 2 --style none --export-json "$json" \
			"$(printf '%q ' "$@")" >/dev/null
		python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1e3))' "$json"
		rm -f "$json"
		return
	fi
	local i t0 t1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo $((t1 - t0))
	done | sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\n", m / 1e6 }'
}

native_ms=$(median_ms /bin/true)
sandbox_ms=$(median_ms "${sandbox[@]}" /bin/true)
printf '%-28s %12s %12s %8s\n' "start-up /bin/true (ms)" "$native_ms" "$sandbox_ms" "$(ratio "$sandbox_ms" "$native_ms")"
