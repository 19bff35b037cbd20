#!/bin/bash
# bench/lifecycle.sh [BUILD_DIR] — cvisor vs runc on the same busybox bundle,
# measured in this run (as root):
#   1. `RUNTIME run` of /bin/true: median wall time of $RUNS runs (create,
#      start, wait, delete in one command);
#   2. memory of an idle container running `sleep`: runc's container process
#      vs the whole sandbox (the sentry pid from the state, its descendants
#      (gofer, stubs) and any other pid recorded in the state's "cvisor"
#      object), as RSS sum and PSS sum (PSS does not count shared pages twice).
# A cvisor column that cannot be measured says why and the script exits 1
# after printing runc's numbers.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
RUNS=${RUNS:-20}

[ "$(id -u)" = 0 ] || { echo "lifecycle.sh: run as root (runc and cvisor create namespaces)" >&2; exit 1; }
command -v runc >/dev/null || { echo "lifecycle.sh: runc not installed (scripts/setup.sh)" >&2; exit 1; }
busybox=/bin/busybox
[ -x "$busybox" ] && ! grep -q interpreter <<<"$(readelf -l "$busybox" 2>&1)" ||
	{ echo "lifecycle.sh: /bin/busybox must be static (busybox-static)" >&2; exit 1; }

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cvisor=
if cmake --build "$build" --target cvisor -j"$(nproc)" >/dev/null 2>&1; then
	cvisor=$build/cvisor
fi

W=$(mktemp -d /tmp/cvisor-lifecycle.XXXXXX)
cleanup() {
	set +e
	runc --root "$W/runc" kill bench-idle KILL >/dev/null 2>&1
	runc --root "$W/runc" delete -f bench-idle >/dev/null 2>&1
	if [ -n "$cvisor" ]; then
		"$cvisor" --root "$W/cvisor" kill bench-idle 9 >/dev/null 2>&1
		"$cvisor" --root "$W/cvisor" delete --force bench-idle >/dev/null 2>&1
	fi
	rm -rf "$W"
}
trap cleanup EXIT

# One bundle for both runtimes: busybox rootfs, runc's default spec.
mkdir -p "$W/bundle/rootfs/bin" "$W/bundle/rootfs/etc"
cp "$busybox" "$W/bundle/rootfs/bin/busybox"
for a in sh true sleep; do ln -s busybox "$W/bundle/rootfs/bin/$a"; done
(cd "$W/bundle" && runc spec)
# set_args ARG...: the bundle's process.args, without a terminal.
set_args() {
	python3 - "$W/bundle/config.json" "$@" <<'EOF'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
spec = json.load(open(path))
spec["process"]["terminal"] = False
spec["process"]["args"] = args
json.dump(spec, open(path, "w"), indent="\t")
EOF
}

# Median wall time in ms of RUNS runs of a command (stdout discarded); fails
# with the command's output if a run fails.
median_ms() {
	local i t0 t1 out=$W/median.out
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >"$out" 2>&1 || { echo "run failed: $(head -c 300 "$out" | tr '\n' ' ')" >&2; return 1; }
		t1=$(date +%s%N)
		echo $((t1 - t0))
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\n", m / 1e6 }'
}

# kib FIELD PID...: sum of a field (kB) over the pids' smaps_rollup.
kib() {
	local field=$1 p sum=0 v
	shift
	for p in "$@"; do
		v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo $sum
}
# descendants PID...: the pids and all their descendants.
descendants() {
	local todo=("$@") p c seen=" "
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		[[ $seen == *" $p "* ]] && continue
		[ -d "/proc/$p" ] || continue
		seen+="$p "
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do todo+=("$c"); done
	done
}
# state_pids RUNTIME_CMD...: the container's pid and, for cvisor, every pid in
# the state's private "cvisor" object.
state_pids() {
	"$@" state bench-idle 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
pids = [s.get("pid", 0)]
def walk(o, key=""):
    if isinstance(o, dict):
        for k, v in o.items(): walk(v, k)
    elif isinstance(o, int) and key.endswith("pid"):
        pids.append(o)
walk(s.get("cvisor", {}))
print(" ".join(str(p) for p in pids if p > 0))'
}
# idle RUNTIME_CMD...: start `sleep 600` detached; print "RSS PSS NPROCS".
idle() {
	local pids
	# The container inherits stdio: a file, not a pipe that would never close.
	"$@" run -d --bundle "$W/bundle" bench-idle </dev/null >"$W/idle.out" 2>&1 ||
		{ echo "run -d failed: $(head -c 300 "$W/idle.out" | tr '\n' ' ')" >&2; return 1; }
	sleep 1   # let the sandbox settle (page-ins of the guest, lazy mappings)
	read -r -a pids < <(state_pids "$@")
	[ ${#pids[@]} -gt 0 ] || { echo "no pid in the state" >&2; return 1; }
	mapfile -t pids < <(descendants "${pids[@]}")
	echo "$(kib Rss "${pids[@]}") $(kib Pss "${pids[@]}") ${#pids[@]}"
	"$@" kill bench-idle 9 >/dev/null 2>&1 || "$@" kill bench-idle KILL >/dev/null 2>&1
	sleep 0.2
	"$@" delete --force bench-idle >/dev/null 2>&1
}

runc_cmd=(runc --root "$W/runc")
cvisor_cmd=("$cvisor" --root "$W/cvisor")
status=0
cv_err() { # cv_err MSG: why the cvisor column is missing
	echo "lifecycle.sh: cvisor: $*" >&2
	status=1
}

set_args /bin/true
runc_ms=$(median_ms "${runc_cmd[@]}" run --bundle "$W/bundle" bench-true) || exit 1
cv_ms=n/a
if [ -z "$cvisor" ]; then
	cv_err "does not build ($build)"
elif v=$(median_ms "${cvisor_cmd[@]}" run --bundle "$W/bundle" bench-true 2>"$W/err"); then
	cv_ms=$v
else
	cv_err "run /bin/true: $(cat "$W/err")"
fi

set_args /bin/sleep 600
v=$(idle "${runc_cmd[@]}") || exit 1   # not < <(...): idle must finish first
read -r runc_rss runc_pss runc_n <<<"$v"
cv_rss=n/a cv_pss=n/a cv_n=n/a
if [ -n "$cvisor" ]; then
	if v=$(idle "${cvisor_cmd[@]}" 2>"$W/err"); then
		read -r cv_rss cv_pss cv_n <<<"$v"
	else
		cv_err "idle sandbox: $(cat "$W/err")"
	fi
fi

ratio() {
	[[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] || { echo n/a; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.1f" : "n/a"), a / b }'
}
printf '%-30s %12s %12s %8s\n' benchmark runc cvisor ratio
printf '%-30s %12s %12s %8s\n' "run /bin/true (ms, median)" "$runc_ms" "$cv_ms" "$(ratio "$cv_ms" "$runc_ms")"
printf '%-30s %12s %12s %8s\n' "idle sleep RSS sum (KiB)" "$runc_rss" "$cv_rss" "$(ratio "$cv_rss" "$runc_rss")"
printf '%-30s %12s %12s %8s\n' "idle sleep PSS sum (KiB)" "$runc_pss" "$cv_pss" "$(ratio "$cv_pss" "$runc_pss")"
printf '%-30s %12s %12s %8s\n' "idle sleep processes" "$runc_n" "$cv_n" ""
exit $status
