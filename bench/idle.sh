#!/bin/bash
# bench/idle.sh [BUILD_DIR] [SECONDS] — CPU used by an idle sandbox
# (`sleep`), per platform: the utime+stime ticks of every process of the
# sandbox (the `cvisor do` process and all its descendants: holder,
# sentry, stubs, gofer) over SECONDS (default 20), as % of one core.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
secs=${2:-20}
cvisor=$build/cvisor
hz=$(getconf CLK_TCK)

descendants() {   # the pid and every descendant
	local p=$1
	echo "$p"
	for c in $(pgrep -P "$p"); do descendants "$c"; done
}
ticks() {   # ticks PID...: summed utime+stime
	local sum=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		# fields 14 and 15, counted after the ")" that ends comm
		local t
		t=$(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }') || continue
		sum=$((sum + t))
	done
	echo "$sum"
}

printf '%-16s %8s %10s\n' platform ticks "% of core"
for spec in ptrace notify seccomp "seccomp --systrap-patching=false"; do
	set -- $spec
	platform=$1
	flags=("--platform=$platform" "${@:2}")
	"$cvisor" "${flags[@]}" do -- /bin/sleep $((secs + 5)) &
	runner=$!
	sleep 2   # let it start
	pids=$(descendants "$runner")
	t0=$(ticks $pids)
	sleep "$secs"
	t1=$(ticks $pids)
	kill "$runner" 2>/dev/null || true
	pkill -KILL -P "$runner" 2>/dev/null || true
	wait "$runner" 2>/dev/null || true
	used=$((t1 - t0))
	printf '%-16s %8d %9.2f%%\n' "${spec// --systrap-patching=false/-nopatch}" "$used" \
		"$(awk -v u="$used" -v hz="$hz" -v s="$secs" 'BEGIN { print 100 * u / hz / s }')"
done
