#!/bin/bash
# config.sh CASE WORKDIR CVISOR
#
# What config.json asks of the container, applied like runc does:
# capabilities, noNewPrivileges, seccomp profile, mounts, masked and
# read-only paths, hooks. Busybox bundles built here from /bin/busybox;
# WORKDIR must be outside /tmp (the sandbox's /tmp is its own).
set -u
case_name=$1 work=$2 cvisor=$3
root="$work/cfgstate-$case_name"
mkdir -p "$work"
rm -rf "$root"
C=("$cvisor" --root "$root")
fail=0
ids=()

die() { echo "config $case_name: $*" >&2; fail=1; }
cleanup() {
	for id in "${ids[@]}"; do "${C[@]}" delete --force "$id" >/dev/null 2>&1; done
	rm -rf "$root"
}
trap cleanup EXIT
expect() { # expect WHAT GOT WANT
	[ "$2" = "$3" ] || die "$1: got '$2', expected '$3'"
}
# new_id N: sets $id (not in a subshell: the cleanup needs ids[])
new_id() { id="cfg-$case_name-$$-$1"; ids+=("$id"); }

# bundle DIR ARGS_JSON PROCESS_EXTRA TOP_EXTRA LINUX_EXTRA [READONLY]
# A busybox rootfs; the extras are JSON members (with a leading comma).
bundle() {
	local dir=$1 args=$2 pextra=$3 textra=$4 lextra=$5 ro=${6:-true}
	rm -rf "$dir"
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/dev" "$dir/rootfs/proc" "$dir/rootfs/sys"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for a in sh echo cat grep mkdir uname ls stat dd df touch rm wc tail sleep true; do ln -s busybox "$dir/rootfs/bin/$a"; done
	cat >"$dir/config.json" <<JSON
{
	"ociVersion": "1.1.0",
	"process": {
		"user": {"uid": 0, "gid": 0},
		"args": $args,
		"env": ["PATH=/bin"],
		"cwd": "/"$pextra
	},
	"root": {"path": "rootfs", "readonly": $ro},
	"hostname": "cfgtest"$textra,
	"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]$lextra}
}
JSON
}

# run BUNDLE: run a container, stdout+stderr in $out, exit status in $rc.
run() {
	local id
	new_id "$RANDOM"
	out=$("${C[@]}" run -b "$1" "$id" 2>&1)
	rc=$?
}

b="$work/cfgbundle-$case_name"
case $case_name in
caps)
	caps='"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"'
	bundle "$b" '["sh", "-c", "grep -E \"^(CapEff|CapPrm|CapBnd|CapInh|NoNewPrivs)\" /proc/self/status"]' \
		", \"capabilities\": {\"bounding\": [$caps], \"effective\": [$caps], \"permitted\": [$caps]}, \"noNewPrivileges\": true" "" ""
	run "$b"
	expect "caps status" "$rc" 0
	expect "caps" "$(echo $out)" "CapInh: 0000000000000000 CapPrm: 0000000000000421 CapEff: 0000000000000421 CapBnd: 0000000000000421 NoNewPrivs: 1"
	# without process.capabilities root keeps every capability (runc)
	bundle "$b" '["sh", "-c", "grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status"]' "" "" ""
	run "$b"
	expect "default caps" "$(echo $out)" "CapEff: 000001ffffffffff NoNewPrivs: 0" ;;
seccomp)
	# mkdir refused with the default errno (EPERM), uname with errnoRet 38
	bundle "$b" '["sh", "-c", "mkdir /tmp/x; echo mkdir=$?; grep Seccomp: /proc/self/status"]' "" "" \
		', "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
			{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
	run "$b"
	expect "errno profile" "$(echo $out)" "mkdir: can't create directory '/tmp/x': Operation not permitted mkdir=1 Seccomp: 2"
	# custom errno reaches the guest as is
	bundle "$b" '["sh", "-c", "mkdir /tmp/x; echo mkdir=$?"]' "" "" \
		', "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
	run "$b"
	expect "custom errno" "$(echo $out)" "mkdir: can't create directory '/tmp/x': Function not implemented mkdir=1"
	# argument conditions: only kill(_, SIGUSR1) is refused
	bundle "$b" '["sh", "-c", "trap \"echo usr1\" USR1; trap \"echo usr2\" USR2; kill -USR1 $$; echo a=$?; kill -USR2 $$; echo b=$?"]' "" "" \
		', "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
			 "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
	run "$b"
	expect "args condition" "$(echo $out)" "sh: can't kill pid 1: Permission denied a=1 usr2 b=0"
	# kill: the whole process dies of SIGSYS
	bundle "$b" '["sh", "-c", "echo hi; mkdir /tmp/k"]' "" "" \
		', "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	run "$b"
	expect "kill output" "$out" "hi"
	expect "kill status" "$rc" $((128 + 31))
	# trap: SIGSYS with si_code SYS_SECCOMP, default action kills
	bundle "$b" '["sh", "-c", "mkdir /tmp/t 2>/dev/null; echo status=$?"]' "" "" \
		', "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["mkdir"], "action": "SCMP_ACT_TRAP"}]}'
	run "$b"
	expect "trap" "$out" "status=$((128 + 31))"
	# default action ERRNO with defaultErrnoRet, an allow list
	bundle "$b" '["sh", "-c", "uname; echo u=$?; mkdir /tmp/d; echo m=$?"]' "" "" \
		', "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
	run "$b"
	expect "default allow" "$(echo $out)" "u=0 m=0" ;;
tmpfs)
	# size=, mode=, nosuid/ro; the destination is made in the overlay
	bundle "$b" '["sh", "-c", "df -k /mnt/t | tail -n 1; stat -c %a /mnt/t; grep /mnt /proc/mounts; dd if=/dev/zero of=/mnt/t/big bs=1k count=2048 2>/dev/null; echo dd=$?; echo x > /mnt/r/f; echo ro=$?"]' "" \
		', "mounts": [
			{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m", "mode=700"]},
			{"destination": "/mnt/r", "type": "tmpfs", "source": "shm", "options": ["ro"]}]' "" false
	run "$b"
	expect "tmpfs" "$(echo $out)" "tmpfs 1024 0 1024 0% /mnt/t 700 tmpfs /mnt/t tmpfs rw,nosuid 0 0 shm /mnt/r tmpfs ro 0 0 dd=1 sh: can't create /mnt/r/f: Read-only file system ro=1" ;;
bind)
	# a host directory read-write and read-only, a host file
	host="$work/cfghost-$$"
	rm -rf "$host" && mkdir -p "$host/dir" && echo data >"$host/dir/f" && echo single >"$host/file"
	bundle "$b" '["sh", "-c", "cat /data/f /ro/f /etc/single; echo new >/data/new; echo w=$?; echo x >/ro/x; echo ro=$?; echo y >/etc/single; echo rf=$?"]' "" \
		", \"mounts\": [
			{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$host/dir\", \"options\": [\"rbind\", \"rw\"]},
			{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"$host/dir\", \"options\": [\"rbind\", \"ro\"]},
			{\"destination\": \"/etc/single\", \"source\": \"$host/file\", \"options\": [\"bind\", \"ro\"]}]" "" false
	run "$b"
	expect "bind" "$(echo $out)" "data data single w=0 sh: can't create /ro/x: Read-only file system ro=1 sh: can't create /etc/single: Read-only file system rf=1"
	expect "bind write reached the host" "$(cat "$host/dir/new" 2>&1)" new
	[ -e "$host/dir/x" ] && die "read-only bind wrote to the host"
	[ -e "$b/rootfs/data" ] && die "mount point made on the host rootfs"
	# a missing source fails create cleanly
	bundle "$b" '["true"]' "" ', "mounts": [{"destination": "/x", "type": "bind", "source": "/nonexistent-cfg", "options": ["bind"]}]' ""
	new_id missing
	"${C[@]}" create -b "$b" "$id" >/dev/null 2>&1 && die "create with a missing bind source succeeded"
	[ -e "$root/$id" ] && die "state of $id left"
	rm -rf "$host" ;;
masked)
	bundle "$b" '["sh", "-c", "cat /etc/secret; echo c=$?; ls -A /etc/secretdir; echo l=$?; echo x >/etc/secret; echo w=$?; cat /proc/version | wc -c"]' "" "" \
		', "maskedPaths": ["/etc/secret", "/etc/secretdir", "/proc/version", "/nonexistent"]'
	mkdir -p "$b/rootfs/etc/secretdir" && echo secret >"$b/rootfs/etc/secret" && echo s >"$b/rootfs/etc/secretdir/x"
	run "$b"
	expect "masked" "$(echo $out)" "c=0 l=0 sh: can't create /etc/secret: Read-only file system w=1 0" ;;
readonly)
	bundle "$b" '["sh", "-c", "cat /etc/rodir/a; echo x >/etc/rodir/b; echo w=$?; echo y >/etc/other; echo o=$?; echo h >/proc/sys/kernel/hostname; echo p=$?"]' "" "" \
		', "readonlyPaths": ["/etc/rodir", "/proc/sys", "/nonexistent"]' false
	mkdir -p "$b/rootfs/etc/rodir" && echo A >"$b/rootfs/etc/rodir/a"
	run "$b"
	expect "readonly" "$(echo $out)" "A sh: can't create /etc/rodir/b: Read-only file system w=1 o=0 sh: can't create /proc/sys/kernel/hostname: Read-only file system p=1" ;;
hooks)
	log="$work/cfghooks-$$.log"
	hook="$work/cfghook-$$.sh"
	rm -f "$log"
	# hook.sh KIND [exit status]: records KIND, the status and pid from the
	# state on stdin, and whether the id is the container's.
	cat >"$hook" <<'SH'
#!/bin/sh
state=$(cat)
status=$(echo "$state" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
pid=$(echo "$state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
id=$(echo "$state" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
echo "$1 $status $pid $id" >>"$LOG"
echo "output of $1"
exit ${2:-0}
SH
	chmod +x "$hook"
	h() { echo "{\"path\": \"$hook\", \"args\": [\"hook.sh\", \"$1\"${2:+, \"$2\"}], \"env\": [\"PATH=/usr/bin:/bin\", \"LOG=$log\"]${3:+, \"timeout\": $3}}"; }
	hooks=", \"hooks\": {\"prestart\": [$(h prestart)], \"createRuntime\": [$(h createRuntime)],
		\"poststart\": [$(h poststart)], \"poststop\": [$(h poststop)]}"
	bundle "$b" '["sleep", "1000"]' "" "$hooks" ""
	new_id 1
	"${C[@]}" create -b "$b" "$id" >/dev/null 2>&1 || die "create failed"
	pid=$("${C[@]}" state "$id" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	expect "create hooks" "$(cat "$log" 2>&1)" "prestart creating $pid $id
createRuntime creating $pid $id"
	"${C[@]}" start "$id" || die "start failed"
	"${C[@]}" delete --force "$id" || die "delete failed"
	expect "all hooks" "$(cat "$log" 2>&1)" "prestart creating $pid $id
createRuntime creating $pid $id
poststart running $pid $id
poststop stopped 0 $id"
	# a failing createRuntime hook fails create: one line, nothing left,
	# later hooks not run
	rm -f "$log"
	hooks=", \"hooks\": {\"prestart\": [$(h prestart)], \"createRuntime\": [$(h createRuntime 3)],
		\"poststart\": [$(h poststart)], \"poststop\": [$(h poststop)]}"
	bundle "$b" '["sleep", "1000"]' "" "$hooks" ""
	new_id 2
	err=$("${C[@]}" create -b "$b" "$id" 2>&1 >/dev/null) && die "create with a failing hook succeeded"
	expect "hook error" "$err" "cvisor: error running createRuntime hook #0: hook $hook: exit status 3, output: output of createRuntime "
	expect "hooks run" "$(cut -d' ' -f1,2 "$log" 2>&1)" "prestart creating"$'\n'"createRuntime creating"
	for _ in $(seq 200); do pgrep -f -- "$id" >/dev/null || break; sleep 0.01; done
	pgrep -fa -- "$id" >&2 && die "processes of $id left"
	[ -e "$root/$id" ] && die "state of $id left"
	# a hook past its timeout is killed
	hooks=", \"hooks\": {\"prestart\": [{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"20\"], \"timeout\": 1}]}"
	bundle "$b" '["true"]' "" "$hooks" ""
	new_id 3
	start=$SECONDS
	err=$("${C[@]}" create -b "$b" "$id" 2>&1 >/dev/null) && die "create with a hanging hook succeeded"
	expect "timeout error" "$err" "cvisor: error running prestart hook #0: hook /bin/sleep: timed out after 1 s"
	[ $((SECONDS - start)) -lt 10 ] || die "timeout not enforced"
	[ -e "$root/$id" ] && die "state of $id left"
	# a failing poststop hook is only a warning
	hooks=", \"hooks\": {\"poststop\": [$(h poststop 1)]}"
	bundle "$b" '["true"]' "" "$hooks" ""
	new_id 4
	"${C[@]}" create -b "$b" "$id" >/dev/null 2>&1 || die "create 4 failed"
	"${C[@]}" delete "$id" 2>/dev/null || die "delete with a failing poststop hook failed"
	[ -e "$root/$id" ] && die "state of $id left after delete"
	rm -f "$log" "$hook" ;;
*)
	echo "config.sh: unknown case $case_name" >&2
	exit 2 ;;
esac
exit $fail
