#!/bin/bash
# bench/fs.sh [BUILD_DIR] — filesystem costs, native vs `cvisor do`, from one
# run: 100 000 stats, open-read-close of small files, 1 GiB sequential write
# and read. Files live in a work directory inside the build tree (the
# sandbox's /tmp is its own tmpfs), and the sandbox writes through the gofer
# (--overlay=none) so both sides hit the same host filesystem.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
STATS=${STATS:-100000}
ORC=${ORC:-20000}
MIB=${MIB:-1024}
read -r -a flags <<<"${CVISOR_FLAGS:-}"

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target cvisor bench_guest_fs -j"$(nproc)" >/dev/null
guest=$build/bench/bench_guest_fs
sandbox=("$build/cvisor" do --overlay=none "${flags[@]}" --)
work=$build/bench-fs-work
rm -rf "$work"
mkdir -p "$work/small"
trap 'rm -rf "$work"' EXIT
for i in $(seq 0 99); do head -c 4096 /dev/urandom >"$work/small/f$i"; done

value() { awk '{ print $(NF - 1) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
row() {   # name unit native sandbox lower-is-better(1|0)
	local r
	if [ "$5" = 1 ]; then r=$(ratio "$4" "$3"); else r=$(ratio "$3" "$4"); fi
	printf '%-30s %12s %12s %8s\n' "$1 ($2)" "$3" "$4" "$r"
}

printf '%-30s %12s %12s %8s\n' benchmark native cvisor "slowdown"
n=$("$guest" stat "$STATS" "$work/small/f0" | value)
s=$("${sandbox[@]}" "$guest" stat "$STATS" "$work/small/f0" | value)
row "stat x$STATS" ns/op "$n" "$s" 1
n=$("$guest" orc "$ORC" "$work/small" | value)
s=$("${sandbox[@]}" "$guest" orc "$ORC" "$work/small" | value)
row "open-read-close 4K x$ORC" ns/op "$n" "$s" 1
n=$("$guest" write "$work/big" "$MIB" | value)
s=$("${sandbox[@]}" "$guest" write "$work/big.sb" "$MIB" | value)
row "seq write ${MIB} MiB" MB/s "$n" "$s" 0
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
n=$("$guest" read "$work/big" | value)
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
s=$("${sandbox[@]}" "$guest" read "$work/big" | value)
row "seq read ${MIB} MiB" MB/s "$n" "$s" 0
