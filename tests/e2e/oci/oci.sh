#!/bin/bash
# oci.sh CASE WORKDIR CVISOR
#
# The OCI lifecycle commands (create/start/run/state/kill/delete/exec/ps/
# pause/resume/events/update) on a busybox bundle built here from
# /bin/busybox. WORKDIR must be outside /tmp (the sandbox's /tmp is its own).
set -u
case_name=$1 work=$2 cvisor=$3
root="$work/state-$case_name"
mkdir -p "$work"
rm -rf "$root"
C=("$cvisor" --root "$root")
fail=0
ids=()

die() { echo "oci $case_name: $*" >&2; fail=1; }
cleanup() {
	for id in "${ids[@]}"; do "${C[@]}" delete --force "$id" >/dev/null 2>&1; done
	rm -rf "$root"
}
trap cleanup EXIT

# bundle DIR ARGS_JSON: a busybox rootfs and a config.json running ARGS_JSON.
bundle() {
	local dir=$1 args=$2
	rm -rf "$dir"
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/dev" "$dir/rootfs/proc" "$dir/rootfs/sys"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for a in sh echo sleep cat true false ls ps; do ln -s busybox "$dir/rootfs/bin/$a"; done
	cat >"$dir/config.json" <<JSON
{
	"ociVersion": "1.1.0",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": $args,
		"env": ["PATH=/bin", "GREETING=hello"],
		"cwd": "/",
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]
	},
	"root": {"path": "rootfs", "readonly": true},
	"hostname": "ocitest",
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
}
JSON
}

# new_id N: sets $id (not in a subshell: the cleanup needs ids[])
new_id() { id="oci-$case_name-$$-$1"; ids+=("$id"); }
status_of() { "${C[@]}" state "$1" 2>/dev/null | sed -n 's/.*"status": "\(.*\)".*/\1/p'; }
# wait_status ID STATUS: up to ~5 s.
wait_status() {
	for _ in $(seq 500); do [ "$(status_of "$1")" = "$2" ] && return 0; sleep 0.01; done
	die "$1: status $(status_of "$1"), expected $2"
	return 1
}
expect() { # expect WHAT GOT WANT
	[ "$2" = "$3" ] || die "$1: got '$2', expected '$3'"
}
no_leftovers() { # no_leftovers ID...
	for id in "$@"; do
		for _ in $(seq 200); do pgrep -f -- "$id" >/dev/null || break; sleep 0.01; done
		pgrep -fa -- "$id" >&2 && die "processes of $id left"
		[ -e "$root/$id" ] && die "state of $id left"
		[ -z "$(find /sys/fs/cgroup -name "$id" -type d 2>/dev/null)" ] ||
			die "cgroup of $id left: $(find /sys/fs/cgroup -name "$id" -type d | head -1)"
	done
	return 0
}

b="$work/bundle-$case_name"
case $case_name in
run-exit)
	bundle "$b" '["sh", "-c", "echo hi $GREETING $(hostname); exit 7"]'
	new_id 1
	out=$("${C[@]}" run -b "$b" "$id")
	expect "run status" $? 7
	expect "run output" "$out" "hi hello ocitest"
	no_leftovers "$id"
	# killed by a signal: 128+N (pid 1 cannot kill itself: kill it from the host)
	bundle "$b" '["sleep", "1000"]'
	new_id 2
	( wait_status "$id" running && "${C[@]}" kill "$id" KILL ) &
	"${C[@]}" run -b "$b" "$id"
	expect "run killed status" $? 137
	wait
	no_leftovers "$id" ;;
spec-run)
	# runc's quick start: spec, edit the args, run.
	rm -rf "$b" && mkdir -p "$b/rootfs/bin" "$b/rootfs/tmp" "$b/rootfs/dev" "$b/rootfs/proc" "$b/rootfs/sys"
	cp /bin/busybox "$b/rootfs/bin/busybox"
	ln -s busybox "$b/rootfs/bin/sh"
	(cd "$b" && "$cvisor" spec) || die "spec failed"
	sed -i 's/"terminal": true/"terminal": false/; s/^\(\t*\)"sh"$/\1"sh", "-c", "echo quick start"/' "$b/config.json"
	new_id 1
	out=$(cd "$b" && "${C[@]}" run "$id")
	expect "run status" $? 0
	expect "run output" "$out" "quick start"
	no_leftovers "$id" ;;
lifecycle)
	bundle "$b" '["sleep", "1000"]'
	new_id 1
	"${C[@]}" create -b "$b" --pid-file "$work/$id.pid" "$id" || die "create failed"
	pid=$(cat "$work/$id.pid")
	expect "pid file" "$("${C[@]}" state "$id" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')" "$pid"
	expect "status after create" "$(status_of "$id")" created
	"${C[@]}" create -b "$b" "$id" 2>/dev/null && die "second create of $id succeeded"
	"${C[@]}" start "$id" || die "start failed"
	expect "status after start" "$(status_of "$id")" running
	"${C[@]}" start "$id" 2>/dev/null && die "second start succeeded"
	"${C[@]}" delete "$id" 2>/dev/null && die "delete of a running container succeeded"
	"${C[@]}" kill "$id" 2>/dev/null    # TERM: pid 1 without a handler ignores it
	sleep 0.2
	expect "status after TERM" "$(status_of "$id")" running
	"${C[@]}" kill "$id" SIGKILL || die "kill failed"
	wait_status "$id" stopped
	"${C[@]}" kill "$id" 9 2>/dev/null && die "kill of a stopped container succeeded"
	"${C[@]}" delete "$id" || die "delete failed"
	"${C[@]}" state "$id" 2>/dev/null && die "state after delete succeeded"
	"${C[@]}" delete "$id" 2>/dev/null && die "delete of a missing container succeeded"
	"${C[@]}" delete --force "$id" || die "delete --force of a missing container failed"
	no_leftovers "$id"
	# kill of a created container, delete --force of a running one
	new_id 2
	"${C[@]}" create -b "$b" "$id" || die "create 2 failed"
	"${C[@]}" kill "$id" KILL || die "kill of a created container failed"
	wait_status "$id" stopped
	"${C[@]}" delete "$id" || die "delete 2 failed"
	new_id 3
	"${C[@]}" run -d -b "$b" "$id" || die "run -d failed"
	expect "status after run -d" "$(status_of "$id")" running
	"${C[@]}" kill --all "$id" KILL || die "kill --all failed"
	wait_status "$id" stopped
	"${C[@]}" delete "$id" || die "delete 3 failed"
	new_id 4
	"${C[@]}" run -d -b "$b" "$id" || die "run -d failed"
	"${C[@]}" delete --force "$id" || die "delete --force failed"
	no_leftovers "${ids[@]}" ;;
exec)
	bundle "$b" '["sleep", "1000"]'
	new_id 1
	"${C[@]}" run -d -b "$b" "$id" || die "run -d failed"
	out=$("${C[@]}" exec "$id" sh -c 'echo exec $GREETING; exit 3')
	expect "exec status" $? 3
	expect "exec output" "$out" "exec hello"
	out=$("${C[@]}" exec --env X=1 --cwd /bin "$id" sh -c 'echo $X $(pwd) $PPID')
	expect "exec env/cwd/ppid" "$out" "1 /bin 0"
	"${C[@]}" exec "$id" sh -c 'kill -TERM $$'
	expect "exec killed status" $? 143
	"${C[@]}" exec "$id" /nonexistent 2>/dev/null
	expect "exec missing program" $? 127
	# --detach with --process, like the shim
	cat >"$work/$id-process.json" <<JSON
{"args": ["sh", "-c", "echo detached >/tmp/out; sleep 1000"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}
JSON
	"${C[@]}" exec --process "$work/$id-process.json" --detach --pid-file "$work/$id-exec.pid" "$id" ||
		die "exec --detach failed"
	epid=$(cat "$work/$id-exec.pid")
	kill -0 "$epid" || die "exec pid $epid is not alive"
	expect "ps json" "$("${C[@]}" ps --format json "$id")" "[1,$("${C[@]}" ps -f json "$id" | sed 's/.*,//; s/]//')]"
	n=$("${C[@]}" ps --format json "$id" | tr ',' '\n' | wc -l)
	expect "ps count" "$n" 2
	out=$("${C[@]}" exec "$id" cat /tmp/out)
	expect "detached output" "$out" detached
	# the shim kills an exec'd process through the pid file's process
	kill -TERM "$epid"
	for _ in $(seq 300); do kill -0 "$epid" 2>/dev/null || break; sleep 0.01; done
	kill -0 "$epid" 2>/dev/null && die "exec waiter survived TERM"
	expect "ps after kill" "$("${C[@]}" ps --format json "$id")" "[1]"
	"${C[@]}" delete --force "$id"
	no_leftovers "$id" ;;
pause)
	bundle "$b" '["sh", "-c", "while true; do echo x >>/tmp/n; sleep 0.01; done"]'
	new_id 1
	"${C[@]}" run -d -b "$b" "$id" || die "run -d failed"
	sleep 0.3
	"${C[@]}" pause "$id" || die "pause failed"
	expect "status paused" "$(status_of "$id")" paused
	"${C[@]}" pause "$id" 2>/dev/null && die "second pause succeeded"
	sleep 0.1
	a=$("${C[@]}" events --stats "$id") || die "events failed"
	case $a in *'"paused":true'*) ;; *) die "events: $a";; esac
	# like runc: no exec into a paused container
	out=$("${C[@]}" exec "$id" true 2>&1) && die "exec into a paused container succeeded"
	expect "exec while paused" "$out" "cvisor: cannot exec in a paused container"
	"${C[@]}" resume "$id" || die "resume failed"
	expect "status resumed" "$(status_of "$id")" running
	"${C[@]}" resume "$id" 2>/dev/null && die "second resume succeeded"
	echo '{"pids": {"limit": 100}}' | "${C[@]}" update --resources - "$id" || die "update failed"
	echo '{"memory": {"limit": -5}}' | "${C[@]}" update --resources - "$id" 2>/dev/null && die "bad update succeeded"
	"${C[@]}" delete --force "$id"
	no_leftovers "$id" ;;
many)
	bundle "$b" '["true"]'
	for i in $(seq 100); do
		new_id "$i"
		"${C[@]}" create -b "$b" "$id" || { die "create $i failed"; break; }
		"${C[@]}" start "$id" || { die "start $i failed"; break; }
		wait_status "$id" stopped || break
		"${C[@]}" delete "$id" || { die "delete $i failed"; break; }
	done
	no_leftovers "${ids[@]}"
	pgrep -f -- "oci-$case_name-$$-" >/dev/null && die "processes left"
	[ -z "$(find /sys/fs/cgroup -name "oci-$case_name-$$-*" 2>/dev/null)" ] || die "cgroups left" ;;
broken)
	bundle "$b" '["true"]'
	good=$(cat "$b/config.json")
	cases=(
		'missing root|{"ociVersion":"1.1.0","process":{"args":["true"],"cwd":"/"}}'
		'bad JSON|{"ociVersion":"1.1.0",'
		'unknown namespace|'"${good/\"mount\"/\"bogus\"}"
		'negative limit|'"${good/\"hard\": 512/\"hard\": -1}"
		'relative cwd|'"${good/\"cwd\": \"\/\"/\"cwd\": \"bin\"}"
		'empty args|'"${good/\[\"true\"\]/[]}"
		'missing rootfs|'"${good/\"rootfs\"/\"nowhere\"}"
		'missing program|'"${good/\[\"true\"\]/[\"/nonexistent\"]}"
	)
	n=0
	for c in "${cases[@]}"; do
		what=${c%%|*} json=${c#*|}
		n=$((n + 1))
		new_id "$n"
		printf '%s\n' "$json" >"$b/config.json"
		# (files, not a pipe: a created container holds its stdio open)
		"${C[@]}" create -b "$b" "$id" >"$work/$id.out" 2>"$work/$id.err"
		rc=$?
		err=$(cat "$work/$id.out" "$work/$id.err")
		if [ "$what" = "missing program" ]; then
			# like a failing exec in runc init: start works, the container exits 127
			[ $rc = 0 ] || { die "$what: create failed: $err"; continue; }
			"${C[@]}" start "$id" && wait_status "$id" stopped
			"${C[@]}" delete "$id"
		else
			[ $rc != 0 ] || die "$what: create succeeded"
			[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || die "$what: not one line: $err"
			[ -n "$err" ] || die "$what: no error message"
		fi
		no_leftovers "$id"
	done ;;
*)
	echo "oci.sh: unknown case $case_name" >&2
	exit 2 ;;
esac
exit $fail
