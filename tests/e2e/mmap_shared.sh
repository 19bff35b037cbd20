#!/bin/bash
# mmap_shared.sh GUEST WORKDIR RUNTIME ARGS...
#
# MAP_SHARED on files outside the sandbox's /tmp:
#  - the mmap_shared guest on a directory of WORKDIR with --overlay=none
#    (gofer files: the sentry's page cache) and with the default overlay
#    root (a new file there lives in the upper tmpfs);
#  - sqlite3 in WAL mode with mmap_size (its -shm index is a shared
#    writable mapping, the database is read through a shared mapping), two
#    writers at once, --overlay=none: the output must match a native run,
#    and the host's sqlite3 must find the database intact afterwards.
set -u
guest=$1 work=$2
shift 2
sandbox=("$@")
n=${#sandbox[@]}
d=$work/mmap-shared
rm -rf "$d"
mkdir -p "$d/none" "$d/overlay" "$d/native" "$d/sandbox"
fail=0

out=$("${sandbox[@]:0:n-1}" --overlay=none "${sandbox[n-1]}" "$guest" "$d/none" 2>"$d/err")
st=$?
[ "$st" = 0 ] && [ "$out" = "dir: shared mappings and read/write agree" ] ||
	{ echo "mmap_shared: --overlay=none: status $st: $out" >&2; cat "$d/err" >&2; fail=1; }
out=$("${sandbox[@]}" "$guest" "$d/overlay" 2>"$d/err")
st=$?
[ "$st" = 0 ] && [ "$out" = "dir: shared mappings and read/write agree" ] ||
	{ echo "mmap_shared: overlay: status $st: $out" >&2; cat "$d/err" >&2; fail=1; }

sql='PRAGMA mmap_size=268435456; PRAGMA journal_mode=WAL;
create table if not exists t(a integer, b text);
with recursive c(x) as (select 1 union all select x+1 from c where x<20000)
insert into t select x, hex(x) from c;'
script='cd "$1" && sqlite3 db "PRAGMA journal_mode=WAL; create table t(a integer, b text);" >/dev/null &&
	{ sqlite3 -cmd ".timeout 20000" db "$2" >/dev/null & sqlite3 -cmd ".timeout 20000" db "$2" >/dev/null; wait; } &&
	sqlite3 db "PRAGMA mmap_size=268435456; select count(*), sum(a), max(b) from t; PRAGMA integrity_check;"'
want=$(/bin/sh -c "$script" sh "$d/native" "$sql" 2>&1)
got=$("${sandbox[@]:0:n-1}" --overlay=none "${sandbox[n-1]}" /bin/sh -c "$script" sh "$d/sandbox" "$sql" 2>&1)
[ "$got" = "$want" ] || { echo "mmap_shared: sqlite: native '$want', sandbox '$got'" >&2; fail=1; }
host=$(sqlite3 "$d/sandbox/db" "select count(*) from t; PRAGMA integrity_check;" 2>&1)
[ "$host" = "40000
ok" ] || { echo "mmap_shared: the host reads '$host'" >&2; fail=1; }
[ $fail = 0 ] && rm -rf "$d"
exit $fail
