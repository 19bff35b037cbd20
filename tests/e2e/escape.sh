#!/bin/bash
# escape.sh BINDIR WORKDIR RUNTIME ARGS...
#
# Done-means 4 of the filesystem issue: none of the escape guests
# (tests/guest/escape_*.c, static builds in BINDIR) reaches a host file
# outside the sandbox's root. The root is a small directory WORKDIR/escape/
# rootfs served with `cvisor do --rootfs`; its parent holds a marker file
# the guests look for through every trick (they fail if they see it).
# Runs once with the overlay root and once with --overlay=none, where the
# guests also create (and remove) a file in every directory they reach;
# afterwards nothing may have appeared next to the rootfs, the marker is
# intact, and the rootfs holds only what was put there.
set -u
bindir=$1 work=$2
shift 2
sandbox=("$@")
marker=cvisor-escape-marker
d=$work/escape
rm -rf "$d"
mkdir -p "$d/rootfs/tmp" "$d/rootfs/proc" "$d/rootfs/dev" "$d/rootfs/sys"
echo secret >"$d/$marker"
guests=(escape_paths escape_race escape_scm)
for g in "${guests[@]}"; do
	cp "$bindir/guest_${g}_static" "$d/rootfs/$g" || exit 2
done
listing() { (cd "$1" && find . | LC_ALL=C sort); }
before=$(listing "$d")

# with_flags FLAG... -- CMD ARGS...: FLAGs for `do` before its final "--".
with_flags() {
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	local n=${#sandbox[@]}
	"${sandbox[@]:0:n-1}" "${flags[@]}" "${sandbox[n-1]}" "$@"
}

fail=0
for mode in overlay none; do
	flags=(--rootfs "$d/rootfs") write=()
	[ $mode = none ] && flags+=(--overlay=none) && write=(--write)
	for g in "${guests[@]}"; do
		out=$(with_flags "${flags[@]}" -- "/$g" "$marker" "${write[@]}" 3 2>&1)
		st=$?
		if [ $st != 0 ]; then
			echo "escape: $g ($mode) exit $st: $out" >&2
			fail=1
		fi
	done
done
after=$(listing "$d")
if [ "$before" != "$after" ]; then
	echo "escape: files changed around or in the rootfs:" >&2
	diff <(echo "$before") <(echo "$after") >&2
	fail=1
fi
[ "$(cat "$d/$marker")" = secret ] || { echo "escape: marker changed" >&2; fail=1; }
rm -rf "$d"
exit $fail
