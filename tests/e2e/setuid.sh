#!/bin/bash
# setuid.sh WORKDIR RUNTIME do FLAGS -- : set-user-id programs gain nothing
# in the sandbox by default (issue 3: "setuid binaries run without privilege
# gain unless asked"), and gain their owner's id with --allow-setuid, as on
# Linux. A setuid-root copy of id(1) in WORKDIR is run as uid 1000.
set -u
work=$1
shift
sandbox=("$@")
n=${#sandbox[@]}
mkdir -p "$work"
prog=$(mktemp "$work/setuid-id.XXXXXX")
trap 'rm -f "$prog"' EXIT
cp /usr/bin/id "$prog" && chown 0:0 "$prog" && chmod 4755 "$prog" || exit 1
as_1000=(setpriv --reuid=1000 --regid=1000 --clear-groups "$prog" -u)
fail=0
check() {   # check WHAT WANT CMD...
	local what=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1)
	if [ "$got" != "$want" ]; then
		echo "FAIL $what: euid $got, want $want"
		fail=1
	fi
}
check native 0 "${as_1000[@]}"
check "sandbox (default)" 1000 "${sandbox[@]}" "${as_1000[@]}"
check "sandbox --allow-setuid" 0 "${sandbox[@]:0:n-1}" --allow-setuid -- "${as_1000[@]}"
[ $fail = 0 ] && echo "ok: set-id bits ignored by default, honoured with --allow-setuid"
exit $fail
