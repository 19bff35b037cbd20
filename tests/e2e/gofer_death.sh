#!/bin/bash
# gofer_death.sh RUNTIME do FLAGS -- : the gofer of a running sandbox is
# SIGKILLed. The guest must then get EIO for files it has not opened yet,
# the sentry must stay up and end with the guest's own exit status, and no
# process of the sandbox may be left behind.
set -u
out=$(mktemp -d /var/tmp/cvisor-gofer-death.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; echo "--- guest output:"; cat "$out/log"; exit 1; }

# busybox sh: `read` and `echo` are builtins, so nothing is exec'd (an exec
# needs the gofer too). The loop spins until a redirect fails.
"$@" /bin/busybox sh -c '
	read x < /etc/passwd && echo ready
	while read x < /etc/passwd; do :; done
	echo "loop ended"
	read x < /etc/group || echo "second open failed too"
	exit 7' >"$out/log" 2>&1 &
runner=$!

for _ in $(seq 200); do
	grep -q ready "$out/log" && break
	sleep 0.05
done
grep -q ready "$out/log" || fail "the guest never started"
gofer=$(pgrep -P "$runner" -f 'cvisor gofer' | head -1)
[ -n "$gofer" ] || fail "no gofer child of $runner"
# Every process of the sandbox, to check nothing survives it.
sandbox=$(ps -eo pid= --forest | awk '{print $1}' | while read -r p; do
	a=$p
	while [ "$a" -gt 1 ] 2>/dev/null; do
		[ "$a" = "$runner" ] && { echo "$p"; break; }
		a=$(ps -o ppid= -p "$a" 2>/dev/null | tr -d ' ')
		[ -n "$a" ] || break
	done
done)
kill -KILL "$gofer"

wait "$runner"
status=$?
[ "$status" = 7 ] || fail "exit status $status, expected the guest's 7"
grep -q "loop ended" "$out/log" || fail "the loop did not end"
grep -q "Input/output error" "$out/log" || fail "no EIO reported to the guest"
grep -q "second open failed too" "$out/log" || fail "a later open did not fail"
sleep 0.2
for p in $sandbox; do
	[ "$p" = "$runner" ] && continue
	if kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" | cut -c1)" != Z ]; then
		fail "sandbox process $p ($(ps -o args= -p "$p")) survived"
	fi
done
echo "ok: gofer killed, guest saw EIO and exited 7, nothing left"
