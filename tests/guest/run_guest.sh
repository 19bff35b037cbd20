#!/bin/bash
# run_guest.sh BINARY EXPECTED_FILE [RUNTIME ARGS...]
#
# Runs BINARY natively, or inside the sandbox when a runtime command is given
# (e.g. `build/cvisor do --`), and checks its stdout against EXPECTED_FILE and
# its exit status against NAME.status next to it (0 when absent; 128+N for a
# guest killed by signal N). Arguments come from NAME.args (one per line) if
# present; sandbox flags (put before the runtime command's final "--") from
# NAME.flags, one per line. CVISOR_GUEST=1 tells a guest it runs in the
# sandbox.
set -u
bin=$1 expected=$2
shift 2
base=${expected%.expected}
want_status=0
[ -f "$base.status" ] && want_status=$(<"$base.status")
args=()
[ -f "$base.args" ] && mapfile -t args <"$base.args"

export CVISOR_TEST_VAR="value with spaces=1"
if [ $# -gt 0 ]; then
	export CVISOR_GUEST=1
	if [ -f "$base.flags" ] && [ "${!#}" = -- ]; then
		mapfile -t flags <"$base.flags"
		set -- "${@:1:$#-1}" "${flags[@]}" --
	fi
else
	unset CVISOR_GUEST
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" "$bin" "${args[@]}" >"$out"
status=$?

fail=0
if ! diff -u --label expected --label actual "$expected" "$out"; then
	echo "run_guest: stdout differs from $expected" >&2
	fail=1
fi
if [ "$status" != "$want_status" ]; then
	echo "run_guest: exit status $status, expected $want_status" >&2
	fail=1
fi
exit $fail
