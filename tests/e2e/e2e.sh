#!/bin/bash
# e2e.sh CASE WORKDIR RUNTIME ARGS...
#
# Runs a real program natively and inside the sandbox (RUNTIME ARGS... CMD,
# e.g. `build/cvisor do --`) and compares stdout and exit status; the
# isolation cases check instead that the sandbox cannot change the host.
# WORKDIR is a host directory outside /tmp (the sandbox's /tmp is its own).
set -u
case_name=$1 work=$2
shift 2
sandbox=("$@")
export LC_ALL=C
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# filter: how both outputs are reduced before comparing (default: as is).
filter() { cat; }

# with_flags FLAG... -- CMD ARGS...: the sandbox command with FLAGs for
# `do` added before its final "--".
with_flags() {
	local flags=()
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	local n=${#sandbox[@]}
	"${sandbox[@]:0:n-1}" "${flags[@]}" "${sandbox[n-1]}" "$@"
}

# compare CMD ARGS...: same stdout and exit status natively and sandboxed.
compare() {
	"$@" >"$tmp/native.raw"
	local ns=$?
	"${sandbox[@]}" "$@" >"$tmp/sandbox.raw"
	local ss=$?
	filter <"$tmp/native.raw" >"$tmp/native"
	filter <"$tmp/sandbox.raw" >"$tmp/sandbox"
	local fail=0
	if ! diff -u --label native --label sandbox "$tmp/native" "$tmp/sandbox"; then
		echo "e2e $case_name: stdout differs" >&2
		fail=1
	fi
	if [ "$ns" != "$ss" ]; then
		echo "e2e $case_name: exit status native $ns, sandbox $ss" >&2
		fail=1
	fi
	if [ ! -s "$tmp/native" ]; then
		echo "e2e $case_name: no output natively, nothing compared" >&2
		fail=1
	fi
	return $fail
}

case $case_name in
busybox-pipe)
	compare /bin/busybox sh -c 'echo a | tr a b' ;;
busybox-ls-wc)
	compare /bin/busybox sh -c 'ls -la /usr/bin | wc -l' ;;
busybox-sort)
	compare /bin/busybox sh -c 'seq 1 100000 | sort -n | tail -1' ;;
busybox-md5sum)
	compare /bin/busybox md5sum /bin/busybox ;;
ls-root)
	# /tmp, /proc and /dev are the sandbox's own, so sizes, dates, link
	# counts and owners differ; compare only what must agree: the file
	# type (first letter of the mode) and the name of every entry.
	filter() { awk 'NR > 1 { print substr($1, 1, 1), $9 }'; }
	compare /bin/ls -l / ;;
bash-loop)
	compare /bin/bash -c 'for i in 1 2 3; do echo $i; done' ;;
sha256sum)
	compare /usr/bin/sha256sum /bin/busybox ;;
sort-file)
	# 20000 pseudo-random lines, the same on every run.
	awk 'BEGIN { x = 12345; for (i = 0; i < 20000; i++) {
		x = (x * 1103515245 + 12345) % 2147483648;
		printf "%08x line %d\n", x, i } }' >"$work/sort-input.txt"
	compare /usr/bin/sort "$work/sort-input.txt" ;;
python-listdir)
	compare /usr/bin/python3 -c 'import json,hashlib,os; print(json.dumps(sorted(os.listdir("/"))))' ;;
isolation-tmp)
	# The sandbox's /tmp is a tmpfs of its own: a file made there must
	# exist inside and never appear on the host.
	f=/tmp/cvisor-e2e-$$
	rm -f "$f"
	out=$("${sandbox[@]}" /bin/busybox sh -c "touch $f && ls $f")
	st=$?
	fail=0
	[ "$st" = 0 ] && [ "$out" = "$f" ] || { echo "e2e: touch $f inside: status $st, output '$out'" >&2; fail=1; }
	[ ! -e "$f" ] || { echo "e2e: $f appeared on the host" >&2; rm -f "$f"; fail=1; }
	exit $fail ;;
isolation-readonly)
	# --rootfs-readonly: the root is the host's, read-only: rm must fail
	# with EROFS and the host file must survive (restored from a copy if
	# it did not).
	victim=/etc/hostname
	if [ ! -e "$victim" ]; then
		victim=$work/victim
		echo victim >"$victim"
	fi
	cp -p "$victim" "$tmp/backup"
	with_flags --rootfs-readonly -- /bin/rm "$victim" 2>"$tmp/err"
	st=$?
	fail=0
	[ "$st" != 0 ] || { echo "e2e: rm $victim inside succeeded" >&2; fail=1; }
	grep -q "Read-only file system" "$tmp/err" || { echo "e2e: no EROFS from rm:" >&2; cat "$tmp/err" >&2; fail=1; }
	if [ ! -e "$victim" ]; then
		echo "e2e: $victim was removed from the host; restoring it" >&2
		cp -p "$tmp/backup" "$victim"
		fail=1
	fi
	exit $fail ;;
isolation-overlay)
	# The default root is an overlay: changes succeed inside, are seen by
	# later processes of the same sandbox, and never reach the host.
	probe=/etc/cvisor-probe-$$
	victim=/etc/hostname
	[ -e "$victim" ] || { victim=$work/victim; echo victim >"$victim"; }
	cp -p "$victim" "$tmp/backup"
	rm -f "$probe"
	out=$("${sandbox[@]}" /bin/busybox sh -c "touch $probe && rm $victim && echo data >/etc/cvisor-x-$$ &&
		/bin/busybox sh -c 'cat /etc/cvisor-x-$$; ls $probe; ls $victim' 2>&1")
	st=$?
	fail=0
	want="data
$probe
ls: $victim: No such file or directory"
	[ "$out" = "$want" ] || { echo "e2e: inside: status $st, output '$out'" >&2; fail=1; }
	for f in "$probe" "/etc/cvisor-x-$$"; do
		[ ! -e "$f" ] || { echo "e2e: $f appeared on the host" >&2; rm -f "$f"; fail=1; }
	done
	if ! cmp -s "$victim" "$tmp/backup"; then
		echo "e2e: $victim changed on the host; restoring it" >&2
		cp -p "$tmp/backup" "$victim"
		fail=1
	fi
	exit $fail ;;
overlay-none)
	# --overlay=none: the root is the host's, writable: changes made inside
	# (in the work directory) are on the host afterwards.
	d=$work/overlay-none
	rm -rf "$d"
	mkdir -p "$d"
	echo old >"$d/f"
	with_flags --overlay=none -- /bin/busybox sh -c "cd $d && echo new >>f && mkdir sub && mv f sub/g && ln -s g sub/l && chmod 600 sub/g"
	st=$?
	fail=0
	[ "$st" = 0 ] || { echo "e2e: sandbox status $st" >&2; fail=1; }
	[ "$(cat "$d/sub/l" 2>&1)" = "old
new" ] || { echo "e2e: host sees '$(cat "$d/sub/l" 2>&1)'" >&2; fail=1; }
	[ "$(stat -c %a "$d/sub/g")" = 600 ] || { echo "e2e: mode not changed on the host" >&2; fail=1; }
	[ ! -e "$d/f" ] || { echo "e2e: $d/f still there" >&2; fail=1; }
	rm -rf "$d"
	exit $fail ;;
*)
	echo "e2e.sh: unknown case $case_name" >&2
	exit 2 ;;
esac
