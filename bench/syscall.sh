#!/bin/bash
# bench/syscall.sh [BUILD_DIR] — every way of capturing syscalls, side by
# side, measured in this run, each as a ratio to native:
#   getpid      ns per raw getpid (bench/guest_getpid.c, $GETPID_N calls)
#   getpid x4   the same from 4 guest threads at once (wall ns per call)
#   fork+exec   us per fork + execve(/bin/true) + wait ($FORK_N runs)
#   import json ms of `python3 -c 'import json'` (median of $RUNS)
#   sort 50MB   ms of `sort` of a 50 MB file generated in the build tree
#   gcc         ms of `gcc -O2 -c` of bench/guest_getpid.c
# Platforms: native, ptrace, notify (when `cvisor do --platform=notify --
# /bin/true` works), seccomp without and with call-site patching. Takes a
# few minutes; numbers depend on the host's load: run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
GETPID_N=${GETPID_N:-1000000}
FORK_N=${FORK_N:-100}
RUNS=${RUNS:-3}
SORT_MB=${SORT_MB:-50}

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target cvisor bench_guest_getpid bench_guest_getpid_mt \
	bench_guest_forkexec -j2 >/dev/null 2>&1 || { echo "bench: build failed" >&2; exit 1; }
cvisor=$build/cvisor
bench=$build/bench
work=$build/bench/work
mkdir -p "$work"

# The sort input: fixed pseudo-random lines, made once.
input=$work/sort-${SORT_MB}mb.txt
if [ ! -s "$input" ]; then
	awk -v n=$((SORT_MB * 1024 * 1024 / 17)) 'BEGIN { srand(1);
		for (i = 0; i < n; i++) printf "%08x%08x\n", rand() * 4294967295, rand() * 4294967295 }' >"$input"
fi

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms_of() {   # ms_of CMD...: median wall time of RUNS runs
	local i t0 t1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	done | median
}
field() { awk -v pat="$1" '$0 ~ pat { print $(NF - 1) }'; }   # the number before the unit

# One row: name, then the sandbox prefix (empty for native).
row() {
	local name=$1
	shift
	local g m f j s c
	g=$("$@" "$bench/bench_guest_getpid" "$GETPID_N" | field ns/call)
	m=$("$@" "$bench/bench_guest_getpid_mt" "$GETPID_N" 4 | field ns/call)
	f=$("$@" "$bench/bench_guest_forkexec" "$FORK_N" /bin/true | field us/run)
	j=$(ms_of "$@" python3 -c 'import json')
	s=$(RUNS=1 ms_of "$@" sort -o "$work/sorted-$name.txt" "$input")
	c=$(RUNS=1 ms_of "$@" gcc -O2 -c -o "$work/getpid-$name.o" "$root/bench/guest_getpid.c")
	echo "$name $g $m $f $j $s $c"
}

rows=("$(row native)")
platforms=(ptrace)
if "$cvisor" do --platform=notify -- /bin/true >/dev/null 2>&1; then
	platforms+=(notify)
else
	echo "(notify: not available in this build, skipped)"
fi
for p in "${platforms[@]}"; do
	rows+=("$(row "$p" "$cvisor" do --platform="$p" --)")
done
rows+=("$(row seccomp "$cvisor" do --platform=seccomp --systrap-patching=false --)")
rows+=("$(row seccomp+patch "$cvisor" do --platform=seccomp --systrap-patching=true --)")

printf '%s\n' "${rows[@]}" | awk '
	NR == 1 { for (i = 2; i <= NF; i++) base[i] = $i }
	{ name[NR] = $1; for (i = 2; i <= NF; i++) v[NR, i] = $i; n = NR; nf = NF }
	END {
		printf "%-14s %18s %18s %18s %18s %18s %18s\n", "platform", "getpid ns", "getpid x4 ns",
		       "fork+exec us", "import json ms", "sort ms", "gcc -c ms"
		for (r = 1; r <= n; r++) {
			printf "%-14s", name[r]
			for (i = 2; i <= nf; i++) {
				cell = sprintf("%.0f (%.1fx)", v[r, i], base[i] > 0 ? v[r, i] / base[i] : 0)
				printf " %18s", cell
			}
			printf "\n"
		}
	}'
echo "(ratio to native in parentheses; getpid: $GETPID_N calls; fork+exec: $FORK_N runs; sort: $SORT_MB MB; load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
