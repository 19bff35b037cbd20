#!/bin/bash
# procps (ps, top, free, uptime, pgrep, pmap, vmstat) inside the sandbox:
# their output parses and describes the sandbox, not the host. Values
# differ from the host's, so the structure is compared: the same headers
# and field layout as natively, the sandbox's own process list.
#
# usage: procps.sh RUNTIME do [FLAGS] --     (run by ctest)
set -u
export LC_ALL=C
sandbox=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "procps: $*" >&2; status=1; }

for t in ps top free uptime pgrep pmap vmstat; do
	command -v $t >/dev/null || { echo "procps: $t not installed (Debian package procps)" >&2; exit 1; }
done

# One sandbox run: a known process tree (sh -> sleep), then every tool.
script='
sleep 30 &
s=$!
echo "== ps"; ps -eo pid,ppid,comm,stat
echo "== ps-full"; ps -o pid,user,rss,vsz,stat,wchan,lstart,etime,time,cmd -p 1; echo "rc=$?"
echo "== pgrep"; pgrep -x sleep; echo "sleep=$s"
echo "== free"; free -b; echo "rc=$?"
echo "== uptime"; uptime; echo "rc=$?"
echo "== top"; top -b -n1 >top.out; echo "rc=$?"; head -5 top.out
echo "== pmap"; pmap $s | tail -1; echo "rc=$?"
echo "== vmstat"; vmstat; echo "rc=$?"
kill $s
'
"${sandbox[@]}" /bin/sh -c "cd /tmp && $script" >"$tmp/out" 2>"$tmp/err" ||
	fail "sandbox run failed: $(cat "$tmp/err")"
section() { sed -n "/^== $1\$/,/^== /p" "$tmp/out" | sed '1d;/^== /d'; }

# ps: exactly the sandbox's processes: init sh (pid 1), sleep, ps.
section ps >"$tmp/ps"
[ "$(head -1 "$tmp/ps")" = "$(ps -eo pid,ppid,comm,stat | head -1)" ] || fail "ps header: $(head -1 "$tmp/ps")"
awk 'NR > 1 { print $3 }' "$tmp/ps" | sort >"$tmp/comms"
printf 'ps\nsh\nsleep\n' | diff -u - "$tmp/comms" >&2 || fail "ps -e lists other processes"
awk 'NR > 1 && $1 == 1 && $2 == 0 && $3 == "sh" { ok = 1 } END { exit !ok }' "$tmp/ps" ||
	fail "pid 1 is not the sandbox's sh"
section ps-full | grep -q '^rc=0$' || fail "ps -o ... -p 1 failed"
[ "$(section ps-full | sed -n 1p)" = "$(ps -o pid,user,rss,vsz,stat,wchan,lstart,etime,time,cmd -p 1 | head -1)" ] ||
	fail "ps -o header differs"

# pgrep finds the sandbox's sleep by its sandbox pid.
section pgrep >"$tmp/pgrep"
[ "$(sed -n 1p "$tmp/pgrep")" = "$(sed -n 's/^sleep=//p' "$tmp/pgrep")" ] || fail "pgrep: $(cat "$tmp/pgrep")"

# free -b: the same layout; Mem: total = used + free + buff/cache.
section free >"$tmp/free"
grep -q '^rc=0$' "$tmp/free" || fail "free failed"
[ "$(head -1 "$tmp/free")" = "$(free -b | head -1)" ] || fail "free header: $(head -1 "$tmp/free")"
awk '$1 == "Mem:" && NF == 7 && $2 > 0 && $2 == $3 + $4 + $6 { ok = 1 } END { exit !ok }' "$tmp/free" ||
	fail "free Mem: line: $(grep Mem: "$tmp/free")"
grep -q '^Swap: ' "$tmp/free" || fail "free: no Swap: line"

# uptime: " HH:MM:SS up ..., load average: a, b, c", like natively.
re='^ [0-9]{2}:[0-9]{2}:[0-9]{2} up .* load average: [0-9.]+, [0-9.]+, [0-9.]+$'
uptime | grep -Eq "$re" || fail "uptime pattern does not match natively: $(uptime)"
section uptime | head -1 | grep -Eq "$re" || fail "uptime: $(section uptime)"

# top -b -n1 exits 0; its summary counts the sandbox's 3 processes (sh,
# sleep, top).
section top >"$tmp/top"
grep -q '^rc=0$' "$tmp/top" || fail "top -b -n1 failed: $(cat "$tmp/top")"
grep -Eq '^Tasks: +3 total' "$tmp/top" || fail "top: $(grep Tasks: "$tmp/top")"
grep -Eq '^MiB Mem : +[0-9.]+ total' "$tmp/top" || fail "top: no memory line"

# pmap of the sleep: a total line.
section pmap | grep -Eq '^ total +[0-9]+K$' || fail "pmap: $(section pmap)"

# vmstat: its two header lines as natively, then one line of 17 numbers.
section vmstat >"$tmp/vmstat"
grep -q '^rc=0$' "$tmp/vmstat" || fail "vmstat failed"
[ "$(head -2 "$tmp/vmstat")" = "$(vmstat | head -2)" ] || fail "vmstat headers differ"
sed -n 3p "$tmp/vmstat" | awk 'NF == 17 { ok = 1 } END { exit !ok }' || fail "vmstat: $(sed -n 3p "$tmp/vmstat")"

[ $status = 0 ] || { echo "--- sandbox output:" >&2; cat "$tmp/out" >&2; }
exit $status
