#!/bin/bash
# bench/platforms.sh [BUILD_DIR] — the platforms side by side, measured in
# this run: ns per raw getpid syscall (bench/guest_getpid.c, N=$GETPID_N,
# median of $RUNS runs) natively and under `cvisor do --platform=P`, and the
# median wall time of `python3 -c pass` ($RUNS runs). Numbers depend on the
# host's load: run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
GETPID_N=${GETPID_N:-100000}
RUNS=${RUNS:-5}
PLATFORMS=${PLATFORMS:-"ptrace seccomp"}

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target cvisor bench_guest_getpid -j"$(nproc)" >/dev/null
cvisor=$build/cvisor
guest=$build/bench/bench_guest_getpid

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.0f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

getpid_ns() {
	local i
	for ((i = 0; i < RUNS; i++)); do
		"$@" "$guest" "$GETPID_N" | awk '/ns\/call/ { print $(NF - 1) }'
	done | median
}

python_ms() {
	local i t0 t1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" python3 -c pass
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	done | median
}

printf '%-10s %16s %18s\n' platform "getpid (ns/call)" "python3 -c pass (ms)"
printf '%-10s %16s %18s\n' native "$(getpid_ns)" "$(python_ms)"
for p in $PLATFORMS; do
	printf '%-10s %16s %18s\n' "$p" "$(getpid_ns "$cvisor" do --platform="$p" --)" \
		"$(python_ms "$cvisor" do --platform="$p" --)"
done
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
