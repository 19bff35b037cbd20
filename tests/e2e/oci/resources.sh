#!/bin/bash
# resources.sh CASE WORKDIR CVISOR
#
# What config.json asks of the host, applied like runc does: the sandbox's
# cgroup (linux.resources, linux.cgroupsPath), user namespace mappings,
# sysctls, namespace paths, and the runsc global flags around them.
# Busybox bundles built here from /bin/busybox; run as root (cgroups).
set -u
case_name=$1 work=$2 cvisor=$3
root="$work/resstate-$case_name"
mkdir -p "$work"
rm -rf "$root"
C=("$cvisor" --root "$root")
fail=0
ids=()
cleanups=()

die() { echo "resources $case_name: $*" >&2; fail=1; }
cleanup() {
	for id in "${ids[@]}"; do "${C[@]}" delete --force "$id" >/dev/null 2>&1; done
	for c in "${cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
	rm -rf "$root"
}
trap cleanup EXIT
expect() { # expect WHAT GOT WANT
	[ "$2" = "$3" ] || die "$1: got '$2', expected '$3'"
}
# new_id N: sets $id (not in a subshell: the cleanup needs ids[])
new_id() { id="res-$case_name-$$-$1"; ids+=("$id"); }
status_of() { "${C[@]}" state "$1" 2>/dev/null | sed -n 's/.*"status": "\(.*\)".*/\1/p'; }
wait_status() { # wait_status ID STATUS: up to ~10 s
	for _ in $(seq 1000); do [ "$(status_of "$1")" = "$2" ] && return 0; sleep 0.01; done
	die "$1: status $(status_of "$1"), expected $2"
	return 1
}
# The host cgroup directories of a container, from its state.
cg_dirs() { sed -n 's/^ *"path": "\(.*\)",$/\1/p' "$root/$1/state.json" 2>/dev/null; }
# cg_file ID FILE: the directory of ID's cgroup that has FILE.
cg_file() {
	local d
	for d in $(cg_dirs "$1"); do [ -e "$d/$2" ] && { cat "$d/$2"; return 0; }; done
	echo "(no $2)"
}
# descendants PID: PID and every process below it.
descendants() {
	local all p q
	all=$(ps -e -o pid=,ppid=)
	p=" $1 "
	while :; do
		q=$p
		for c in $(awk -v set="$p" 'index(set, " " $2 " ") { print $1 }' <<<"$all"); do
			case $p in *" $c "*) ;; *) p="$p$c ";; esac
		done
		[ "$q" = "$p" ] && break
	done
	echo $p
}
# check_members ID [PID...]: the sandbox's processes (the sentry's pid
# from the state and all below it: holder, sentry, gofers, stubs) and the
# given ones are exactly the processes of its cgroup.
check_members() {
	local id=$1 d want got pid
	shift
	pid=$("${C[@]}" state "$id" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	want=$(printf '%s\n' $(descendants "$pid") "$@" | sort -n | tr '\n' ' ')
	for d in $(cg_dirs "$id"); do
		got=$(sort -n "$d/cgroup.procs" | tr '\n' ' ')
		expect "processes in $d" "$got" "$want"
	done
}
# alive PID: exists and is not a zombie
alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v Z)" ]; }
no_cgroup_left() { # no_cgroup_left NAME...
	local n
	for n in "$@"; do
		[ -z "$(find /sys/fs/cgroup -name "$n" -type d 2>/dev/null)" ] ||
			die "cgroup $n left: $(find /sys/fs/cgroup -name "$n" -type d | head -3)"
	done
}
v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

# bundle DIR ARGS_JSON LINUX_EXTRA [TOP_EXTRA]: a busybox rootfs; $NS
# replaces the namespaces.
bundle() {
	local dir=$1 args=$2 lextra=$3 textra=${4:-} ns='[{"type": "pid"}, {"type": "mount"}]'
	[ -n "${NS:-}" ] && ns=$NS
	rm -rf "$dir"
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/dev" "$dir/rootfs/proc" "$dir/rootfs/sys"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for a in sh echo cat sleep true awk seq touch mkdir stat ls; do ln -s busybox "$dir/rootfs/bin/$a"; done
	cat >"$dir/config.json" <<JSON
{
	"ociVersion": "1.1.0",
	"process": {"user": {"uid": 0, "gid": 0}, "args": $args, "env": ["PATH=/bin"], "cwd": "/"},
	"root": {"path": "rootfs", "readonly": false}$textra,
	"linux": {"namespaces": $ns$lextra}
}
JSON
}
# create_err BUNDLE: a create that must fail with one line naming $1.
create_err() {
	local what=$1 want=$2 out
	new_id "err$RANDOM"
	out=$("${C[@]}" create -b "$b" "$id" 2>&1 </dev/null)
	[ $? != 0 ] || die "$what: create succeeded"
	expect "$what: one error line" "$(printf '%s\n' "$out" | wc -l)" 1
	case $out in *"$want"*) ;; *) die "$what: error '$out' does not say '$want'";; esac
	[ -e "$root/$id" ] && die "$what: state left"
	no_cgroup_left "$id"
}

b="$work/resbundle-$case_name"
case $case_name in
cgroup)
	bundle "$b" '["sleep", "1000"]' ', "resources": {
		"memory": {"limit": 67108864, "reservation": 33554432},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
		"pids": {"limit": 64}}'
	new_id 1
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create failed"
	[ -n "$(cg_dirs "$id")" ] || die "no cgroup recorded in the state"
	check_members "$id"
	if v2; then
		expect "memory.max" "$(cg_file "$id" memory.max)" 67108864
		expect "memory.low" "$(cg_file "$id" memory.low)" 33554432
		expect "cpu.weight (from shares 512)" "$(cg_file "$id" cpu.weight)" 20
		expect "cpu.max" "$(cg_file "$id" cpu.max)" "50000 100000"
	else
		expect "memory.limit_in_bytes" "$(cg_file "$id" memory.limit_in_bytes)" 67108864
		expect "memory.soft_limit_in_bytes" "$(cg_file "$id" memory.soft_limit_in_bytes)" 33554432
		expect "cpu.shares" "$(cg_file "$id" cpu.shares)" 512
		expect "cpu.cfs_quota_us" "$(cg_file "$id" cpu.cfs_quota_us)" 50000
		expect "cpu.cfs_period_us" "$(cg_file "$id" cpu.cfs_period_us)" 100000
	fi
	expect "cpuset.cpus" "$(cg_file "$id" cpuset.cpus)" 0
	expect "pids.max" "$(cg_file "$id" pids.max)" 64
	"${C[@]}" start "$id" || die "start failed"
	# an exec stand-in is the container's too
	"${C[@]}" exec -d --pid-file "$work/$id.epid" "$id" sleep 1000 || die "exec -d failed"
	epid=$(cat "$work/$id.epid")
	check_members "$id" "$epid"
	ev=$("${C[@]}" events --stats "$id")
	case $ev in *'"memory":{'*'"usage":{"limit":67108864,'*) ;; *) die "events: no memory limit: $ev";; esac
	case $ev in *'"pids":{"current":'*',"limit":64}'*) ;; *) die "events: no pids: $ev";; esac
	case $ev in *'"cpu":{"usage":{'*'"total":'*) ;; *) die "events: no cpu usage: $ev";; esac
	echo '{"memory": {"limit": 134217728}, "cpu": {"quota": 25000}}' |
		"${C[@]}" update --resources - "$id" || die "update --resources failed"
	"${C[@]}" update --pids-limit 99 --cpu-share 1024 "$id" || die "update flags failed"
	if v2; then
		expect "updated memory.max" "$(cg_file "$id" memory.max)" 134217728
		expect "updated cpu.max" "$(cg_file "$id" cpu.max)" "25000 100000"
		expect "updated cpu.weight" "$(cg_file "$id" cpu.weight)" 39
	else
		expect "updated memory.limit_in_bytes" "$(cg_file "$id" memory.limit_in_bytes)" 134217728
		expect "updated cpu.cfs_quota_us" "$(cg_file "$id" cpu.cfs_quota_us)" 25000
		expect "updated cpu.shares" "$(cg_file "$id" cpu.shares)" 1024
	fi
	expect "updated pids.max" "$(cg_file "$id" pids.max)" 99
	echo '{"memory": {"limit": -5}}' | "${C[@]}" update --resources - "$id" 2>/dev/null &&
		die "a bad update succeeded"
	"${C[@]}" delete --force "$id" || die "delete --force failed"
	no_cgroup_left "$id"
	alive "$epid" && die "exec stand-in survived delete"
	# a container that exits: delete removes its cgroup too
	bundle "$b" '["true"]' ', "resources": {"pids": {"limit": 64}}'
	new_id 2
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create 2 failed"
	"${C[@]}" start "$id" && wait_status "$id" stopped
	"${C[@]}" delete "$id" || die "delete 2 failed"
	no_cgroup_left "$id" ;;
oom)
	# 64 MiB for a guest that doubles a string up to 256 MiB: the kernel
	# kills the sandbox, which ends like a runc container: 137.
	bundle "$b" '["awk", "BEGIN { s = \"x\"; while (length(s) < 268435456) s = s s; print \"survived\" }"]' \
		', "resources": {"memory": {"limit": 67108864, "swap": 67108864}}'
	new_id 1
	out=$("${C[@]}" run -b "$b" "$id" 2>/dev/null </dev/null)
	expect "OOM status" $? 137
	expect "OOM output" "$out" ""
	no_cgroup_left "$id"
	# create + start: the state says stopped once the kernel killed it
	new_id 3
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create failed"
	"${C[@]}" start "$id" || die "start failed"
	wait_status "$id" stopped
	"${C[@]}" delete "$id" || die "delete after OOM failed"
	no_cgroup_left "$id"
	# the same guest without a limit survives
	bundle "$b" '["awk", "BEGIN { s = \"x\"; while (length(s) < 268435456) s = s s; print \"survived\" }"]' ""
	new_id 2
	out=$("${C[@]}" run -b "$b" "$id" 2>/dev/null </dev/null)
	expect "no limit: status" $? 0
	expect "no limit: output" "$out" survived ;;
pids)
	# Host pids count (sentry threads, gofer, stubs): 24 leave room for a
	# few guest processes, not for 40 sleeps. Which host task is refused
	# first varies (a fork's thread or stub: the shell cannot fork and
	# exits; an exec's stub: the child dies), so the guest checks that all
	# 40 sleeps run (state S in /proc, no fork needed to look) and that
	# must not be the case; the kernel counts the refusals.
	bundle "$b" '["sh", "-c", "pids=; for i in $(seq 40); do sleep 1000 & pids=\"$pids $!\"; done; for p in $pids; do read -r a b c rest </proc/$p/stat || exit 3; [ \"$c\" = S ] || exit 4; done; echo all running"]' \
		', "resources": {"pids": {"limit": 24}}'
	new_id 1
	"${C[@]}" create -b "$b" "$id" </dev/null >"$work/$id.out" 2>"$work/$id.err" || die "create failed"
	"${C[@]}" start "$id" || die "start failed"
	wait_status "$id" stopped
	grep -q "all running" "$work/$id.out" && die "the guest ran 40 processes"
	ev=$(cg_file "$id" pids.events)
	[ "${ev#max }" -gt 0 ] 2>/dev/null || die "pids.events: $ev"
	"${C[@]}" delete "$id" || die "delete failed"
	no_cgroup_left "$id"
	# the same guest without a limit runs them all
	bundle "$b" '["sh", "-c", "pids=; for i in $(seq 40); do sleep 1000 & pids=\"$pids $!\"; done; for p in $pids; do read -r a b c rest </proc/$p/stat || exit 3; [ \"$c\" = S ] || exit 4; done; echo all running"]' ''
	new_id 2
	"${C[@]}" create -b "$b" "$id" </dev/null >"$work/$id.out" 2>"$work/$id.err" || die "create 2 failed"
	"${C[@]}" start "$id" || die "start 2 failed"
	for _ in $(seq 3000); do grep -q "all running" "$work/$id.out" && break; sleep 0.01; done
	grep -q "all running" "$work/$id.out" || die "without a limit: $(head -c 300 "$work/$id.out" "$work/$id.err")"
	"${C[@]}" delete --force "$id" || die "delete 2 failed"
	no_cgroup_left "$id" ;;
path)
	# absolute cgroupsPath: every level made is removed again
	top="cvisor-e2e-$$"
	bundle "$b" '["sleep", "1000"]' ", \"cgroupsPath\": \"/$top/sub/res-path\""
	new_id 1
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create (absolute) failed"
	d=$(cg_dirs "$id" | head -1)
	case $d in /sys/fs/cgroup/*"/$top/sub/res-path") ;; *) die "absolute path: $d";; esac
	check_members "$id"
	"${C[@]}" delete --force "$id"
	no_cgroup_left "$top"
	# relative: below our own cgroup
	own=$(sed -n 's/^[0-9]*:\(memory\|\):\(.*\)/\2/p' /proc/self/cgroup | head -1)
	bundle "$b" '["sleep", "1000"]' ", \"cgroupsPath\": \"$top-rel/r\""
	new_id 2
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create (relative) failed"
	case "$(cg_dirs "$id")" in *"${own%/}/$top-rel/r"*) ;; *) die "relative path: $(cg_dirs "$id"), own $own";; esac
	"${C[@]}" delete --force "$id"
	no_cgroup_left "$top-rel"
	# --systemd-cgroup: slice:prefix:name as systemd would place it
	bundle "$b" '["sleep", "1000"]' ", \"cgroupsPath\": \"cvisor_e2e-t$$.slice:e2e:n$$\""
	new_id 3
	"${C[@]}" --systemd-cgroup create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create (systemd) failed"
	case "$(cg_dirs "$id" | head -1)" in
	*"/cvisor_e2e.slice/cvisor_e2e-t$$.slice/e2e-n$$.scope") ;;
	*) die "systemd path: $(cg_dirs "$id" | head -1)";;
	esac
	"${C[@]}" delete --force "$id"
	no_cgroup_left cvisor_e2e.slice
	bundle "$b" '["true"]' ', "cgroupsPath": "no-colons"'
	new_id 4
	out=$("${C[@]}" --systemd-cgroup create -b "$b" "$id" 2>&1 </dev/null) && die "bad systemd path accepted"
	case $out in *'is not "slice:prefix:name"'*) ;; *) die "bad systemd path: $out";; esac
	[ -e "$root/$id" ] && die "state of a failed create left" ;;
idmap)
	# The gofer is root of a user namespace with the bundle's maps: what
	# the guest's root creates through a bind mount is owned on the host
	# by the mapped ids. Guests see their own ids and the map.
	host="$work/residmap-$$"
	rm -rf "$host" && mkdir -p "$host" && chown 100000:200000 "$host"
	cleanups+=("rm -rf '$host'")
	user='[{"type": "pid"}, {"type": "mount"}, {"type": "user"}]'
	# idmap_bundle UID_MAPS GID_MAPS
	idmap_bundle() {
		NS=$user bundle "$b" '["sh", "-c", "touch /data/f && mkdir /data/d && stat -c %u:%g /data/f; cat /proc/self/uid_map /proc/self/gid_map"]' \
			", \"uidMappings\": $1, \"gidMappings\": $2" \
			", \"mounts\": [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$host\", \"options\": [\"rbind\", \"rw\"]}]"
	}
	idmap_bundle '[{"containerID": 0, "hostID": 100000, "size": 65536}]' \
		'[{"containerID": 0, "hostID": 200000, "size": 65536}]'
	new_id 1
	out=$("${C[@]}" run -b "$b" "$id" 2>"$work/$id.err" </dev/null)
	expect "idmap status ($(head -c 300 "$work/$id.err"))" $? 0
	expect "idmap guest view" "$(echo $out)" "0:0 0 100000 65536 0 200000 65536"
	expect "host owner of a new file" "$(stat -c %u:%g "$host/f" 2>&1)" 100000:200000
	expect "host owner of a new dir" "$(stat -c %u:%g "$host/d" 2>&1)" 100000:200000
	# bad maps: one line each
	gid='[{"containerID": 0, "hostID": 200000, "size": 65536}]'
	idmap_bundle '[{"containerID": 0, "hostID": 100000, "size": 10}, {"containerID": 5, "hostID": 300000, "size": 1}]' "$gid"
	create_err "overlapping uid ranges" "overlaps linux.uidMappings[0]"
	idmap_bundle '[{"containerID": 0, "hostID": 100000, "size": 0}]' "$gid"
	create_err "empty uid range" "size must be at least 1"
	idmap_bundle '[{"containerID": 0, "hostID": 4294967295, "size": 2}]' "$gid"
	create_err "uid range beyond 2^32" "range overflows 32-bit ids"
	idmap_bundle '[{"containerID": 1, "hostID": 100000, "size": 10}]' "$gid"
	create_err "uid 0 unmapped" "container id 0 must be mapped" ;;
sysctl)
	bundle "$b" '["cat", "/proc/sys/kernel/shmmax", "/proc/sys/kernel/msgmax"]' \
		', "sysctl": {"kernel.shmmax": "123456789", "kernel.msgmax": "4242"}'
	new_id 1
	out=$("${C[@]}" run -b "$b" "$id" 2>"$work/$id.err" </dev/null)
	expect "sysctl status ($(head -c 300 "$work/$id.err"))" $? 0
	expect "sysctl values" "$(echo $out)" "123456789 4242"
	bundle "$b" '["true"]' ', "sysctl": {"vm.swappiness": "10"}'
	create_err "host sysctl" 'sysctl "vm.swappiness" is not in a separate kernel namespace'
	bundle "$b" '["true"]' ', "sysctl": {"kernel.hostname": "x"}'
	create_err "kernel.hostname" 'conflicts with the OCI "hostname" field' ;;
netns)
	# A network namespace path (what CNI prepares) is the sandbox's.
	ns="cvisor-e2e-$$"
	ip netns add "$ns" || { die "ip netns add failed"; exit 1; }
	cleanups+=("ip netns delete '$ns'")
	NS="[{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"network\", \"path\": \"/run/netns/$ns\"}]" \
		bundle "$b" '["sleep", "1000"]' ""
	new_id 1
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create failed"
	want=$(stat -L -c %i "/run/netns/$ns")
	n=0
	for p in $(pgrep -f -- "cvisor-sandbox:$id"); do
		[ "$(stat -L -c %i /proc/$p/ns/net)" = "$want" ] && n=$((n + 1))
	done
	# the holder and the sentry (and its stubs); the waiting caller stays out
	[ $n -ge 2 ] || die "$n sandbox processes in the network namespace"
	"${C[@]}" delete --force "$id"
	# a user namespace path: the gofer (as its root) and the sentry join it
	unshare --user --map-root-user sleep 60 &
	holder=$!
	cleanups+=("kill $holder")
	for _ in $(seq 100); do
		[ "$(readlink /proc/$holder/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.05
	done
	userns=$(stat -L -c %i /proc/$holder/ns/user)
	NS="[{\"type\": \"pid\"}, {\"type\": \"user\", \"path\": \"/proc/$holder/ns/user\"}, {\"type\": \"network\", \"path\": \"/run/netns/$ns\"}]" \
		bundle "$b" '["sleep", "1000"]' ""
	new_id 2
	"${C[@]}" create -b "$b" "$id" </dev/null >/dev/null 2>"$work/$id.err" ||
		die "create with a user namespace path failed: $(head -c 300 "$work/$id.err")"
	n=0
	for p in $(pgrep -f -- ":$id"); do
		[ "$(stat -L -c %i /proc/$p/ns/user)" = "$userns" ] && n=$((n + 1))
	done
	# gofer, holder, sentry
	[ $n -ge 3 ] || die "$n sandbox processes in the user namespace"
	"${C[@]}" delete --force "$id"
	NS='[{"type": "pid"}, {"type": "network", "path": "/proc/self/ns/uts"}]' bundle "$b" '["true"]' ""
	create_err "wrong namespace type" "not a network namespace" ;;
flags)
	bundle "$b" '["sh", "-c", "echo ok"]' ""
	new_id 1
	out=$("${C[@]}" --network=host run -b "$b" "$id" 2>&1 </dev/null) && die "--network=host accepted"
	expect "--network=host" "$out" "cvisor: --network=host is not supported yet"
	for n in none sandbox; do
		new_id "net$n"
		out=$("${C[@]}" --network "$n" --rootless run -b "$b" "$id" 2>/dev/null </dev/null)
		expect "--network=$n" "$out" ok
	done
	# --debug-log DIR/: one file per command, with the command line
	dl="$work/resdebug-$$"
	rm -rf "$dl"
	cleanups+=("rm -rf '$dl'")
	new_id dbg
	"${C[@]}" --debug-log "$dl/" create -b "$b" "$id" </dev/null >/dev/null 2>&1 || die "create with --debug-log failed"
	"${C[@]}" --debug-log "$dl/" start "$id" || die "start with --debug-log failed"
	wait_status "$id" stopped
	for cmd in create boot start; do
		f=$(ls "$dl"/cvisor."$id".*."$cmd".log 2>/dev/null | head -1)
		[ -n "$f" ] || { die "no debug log of $cmd in $dl: $(ls "$dl")"; continue; }
		grep -q " $cmd " "$f" || die "debug log of $cmd: $(head -c 300 "$f")"
	done
	"${C[@]}" --debug-log "$dl/%COMMAND%.log" delete "$id" || die "delete failed"
	[ -s "$dl/delete.log" ] || die "no $dl/delete.log" ;;
*)
	echo "resources.sh: unknown case $case_name" >&2
	exit 2 ;;
esac
exit $fail
