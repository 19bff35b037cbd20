#!/bin/bash
# concurrency.sh GUEST WORKDIR RUNTIME ARGS...
#
# Done-means 3 of the filesystem issue on a gofer-backed directory: the
# concurrency_fs guest (8 O_APPEND writers, 8 renamers, 10 s; it checks
# its own results) with --overlay=none in WORKDIR, so every write and
# rename goes through the gofer to the host. The sandbox must exit 0,
# print the guest's three lines and nothing on stderr (no sentry or gofer
# error), and leave nothing behind.
set -u
guest=$1 work=$2
shift 2
sandbox=("$@")
d=$work/concurrency
rm -rf "$d"
mkdir -p "$d"
n=${#sandbox[@]}
out=$("${sandbox[@]:0:n-1}" --overlay=none "${sandbox[n-1]}" "$guest" 10 "$d" 2>"$d.err")
st=$?
fail=0
[ $st = 0 ] || { echo "concurrency: exit status $st" >&2; fail=1; }
want="8 appenders and 8 renamers ran
log: every record once, whole, in order
renames: every file once"
[ "$out" = "$want" ] || { echo "concurrency: output: $out" >&2; fail=1; }
[ -s "$d.err" ] && { echo "concurrency: stderr:" >&2; cat "$d.err" >&2; fail=1; }
[ -z "$(ls -A "$d")" ] || { echo "concurrency: left in $d: $(ls -A "$d")" >&2; fail=1; }
rm -rf "$d" "$d.err"
exit $fail
